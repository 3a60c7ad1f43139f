/* SPDX-License-Identifier: MIT */
/*
 * A sans-IO pcapng writer (draft-ietf-opsawg-pcapng): a Section Header Block, one Interface
 * Description Block of link type IPv4 (LINKTYPE_IPV4, 228) and one Enhanced Packet Block per
 * SCTP packet, which travels in a synthetic IPv4 header (protocol 132) so that Wireshark
 * dissects SCTP with no DTLS or UDP below it. Blocks are little-endian, as the byte-order
 * magic says; the IPv4 header is in network byte order.
 */
#include <csctp/sctp.h>

#include <string.h>

#include "pcapng.h"

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_MAGIC 0x1A2B3C4Du
#define LINKTYPE_IPV4 228
#define SNAPLEN 65535

/* 10.0.0.1 is us, 10.0.0.2 the peer. */
static const uint8_t addr_local[4] = {10, 0, 0, 1};
static const uint8_t addr_remote[4] = {10, 0, 0, 2};

static void pcapng_le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void pcapng_le32(uint8_t *p, uint32_t v) {
  pcapng_le16(p, (uint16_t)v);
  pcapng_le16(p + 2, (uint16_t)(v >> 16));
}

static void pcapng_be16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* RFC 791 header checksum: the ones' complement of the ones' complement sum of the words. */
static uint16_t pcapng_ip_checksum(const uint8_t *h, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)h[i] << 8 | h[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

csctp_ssize csctp_pcapng_header(uint8_t *buf, size_t cap) {
  if (!buf) return CSCTP_ERR_INVALID_ARGUMENT;
  if (cap < CSCTP_PCAPNG_HEADER_LEN) return CSCTP_ERR_NOBUF;
  uint8_t *p = buf;
  /* Section Header Block, version 1.0, section length unknown (-1), no options. */
  pcapng_le32(p, PCAPNG_SHB);
  pcapng_le32(p + 4, 28);
  pcapng_le32(p + 8, PCAPNG_MAGIC);
  pcapng_le16(p + 12, 1);
  pcapng_le16(p + 14, 0);
  memset(p + 16, 0xff, 8);
  pcapng_le32(p + 24, 28);
  p += 28;
  /* Interface Description Block: no options, so timestamps are in microseconds. */
  pcapng_le32(p, PCAPNG_IDB);
  pcapng_le32(p + 4, 20);
  pcapng_le16(p + 8, LINKTYPE_IPV4);
  pcapng_le16(p + 10, 0);
  pcapng_le32(p + 12, SNAPLEN);
  pcapng_le32(p + 16, 20);
  return CSCTP_PCAPNG_HEADER_LEN;
}

void csctp_pcapng_epb_head(uint8_t head[CSCTP_PCAPNG_EPB_HEAD], int inbound, size_t len,
                           csctp_tstamp now, size_t *stored) {
  size_t n = len > CSCTP_PCAPNG_SCTP_MAX ? CSCTP_PCAPNG_SCTP_MAX : len;
  size_t padded = (n + 3) & ~(size_t)3;
  uint8_t *p = head;
  pcapng_le32(p, PCAPNG_EPB);
  pcapng_le32(p + 4, (uint32_t)(32 + 20 + padded));
  pcapng_le32(p + 8, 0); /* the one interface */
  pcapng_le32(p + 12, (uint32_t)(now >> 32));
  pcapng_le32(p + 16, (uint32_t)now);
  pcapng_le32(p + 20, (uint32_t)(20 + n));
  pcapng_le32(p + 24, (uint32_t)(len > UINT32_MAX - 20 ? UINT32_MAX : 20 + len));
  uint8_t *ip = p + 28;
  ip[0] = 0x45; /* version 4, 5 words */
  ip[1] = 0;
  pcapng_be16(ip + 2, (uint16_t)(20 + n));
  pcapng_be16(ip + 4, 0);      /* identification: never fragmented */
  pcapng_be16(ip + 6, 0x4000); /* DF */
  ip[8] = 64;
  ip[9] = 132; /* SCTP */
  pcapng_be16(ip + 10, 0);
  memcpy(ip + 12, inbound ? addr_remote : addr_local, 4);
  memcpy(ip + 16, inbound ? addr_local : addr_remote, 4);
  pcapng_be16(ip + 10, pcapng_ip_checksum(ip, 20));
  *stored = n;
}

size_t csctp_pcapng_epb_tail(uint8_t tail[CSCTP_PCAPNG_EPB_TAIL_MAX], size_t stored) {
  size_t pad = ((stored + 3) & ~(size_t)3) - stored;
  memset(tail, 0, pad);
  pcapng_le32(tail + pad, (uint32_t)(32 + 20 + stored + pad));
  return pad + 4;
}

csctp_ssize csctp_pcapng_packet(uint8_t *buf, size_t cap, int inbound, const uint8_t *pkt,
                                size_t len, csctp_tstamp now) {
  if (!buf || (!pkt && len)) return CSCTP_ERR_INVALID_ARGUMENT;
  size_t stored;
  uint8_t head[CSCTP_PCAPNG_EPB_HEAD], tail[CSCTP_PCAPNG_EPB_TAIL_MAX];
  csctp_pcapng_epb_head(head, inbound, len, now, &stored);
  size_t tail_len = csctp_pcapng_epb_tail(tail, stored);
  size_t total = sizeof head + stored + tail_len;
  if (cap < total) return CSCTP_ERR_NOBUF;
  memcpy(buf, head, sizeof head);
  if (stored) memcpy(buf + sizeof head, pkt, stored);
  memcpy(buf + sizeof head + stored, tail, tail_len);
  return (csctp_ssize)total;
}
