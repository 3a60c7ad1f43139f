/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the whole packet codec on arbitrary bytes. Parses the
 * common header, checks the CRC, walks the chunks and runs every decoder on
 * every chunk (whatever its type, so each decoder sees every shape), plus the
 * TLV iterator inside INIT, ABORT, ERROR and HEARTBEAT, the FORWARD TSN,
 * I-DATA, I-FORWARD-TSN, RE-CONFIG, AUTH, ECNE, CWR, ASCONF and ASCONF-ACK decoders (the
 * I-DATA walk checked against the general one; ASCONF re-encoded and decoded to the same), and
 * re-encodes what decoded so the encoders run on hostile values too; and the bytes as a lone INIT
 * chunk (csctp_snap_init_check).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <csctp/sctp.h>

#include "auth.h"
#include "chunk.h"
#include "chunk_asconf.h"
#include "crc32c.h"
#include "packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint32_t fuzz_sink;

static void fuzz_touch(const uint8_t *p, size_t n) {
  uint32_t acc = 0;
  for (size_t i = 0; i < n; i++) acc += p[i];
  fuzz_sink += acc;
}

static void fuzz_tlvs(const csctp_chunk *ch, size_t skip) {
  if (ch->value_len < skip) return;
  csctp_rd r;
  csctp_rd_init(&r, ch->value + skip, ch->value_len - skip);
  csctp_tlv t;
  while (csctp_tlv_next(&r, &t) == 1) {
    fuzz_touch(t.raw, t.length);
    fuzz_touch(t.value, t.value_len);
  }
}

/* RFC 5061 ASCONF / ASCONF-ACK: every parameter walked; the known ones written again, and the
 * copy decoded to the same serial, address and parameter count. */
static void fuzz_asconf(const csctp_chunk *ch, uint8_t *out, size_t cap) {
  csctp_asconf_chunk c;
  if (csctp_asconf_decode(ch, &c) != 0) return;
  csctp_wr w;
  csctp_wr_init(&w, out, cap);
  size_t off = c.has_addr ? csctp_asconf_write_begin(&w, c.serial, c.addr.fam, c.addr.ip)
                          : csctp_asconf_ack_write_begin(&w, c.serial);
  size_t n = 0;
  csctp_rd r;
  csctp_asconf_params(&c, &r);
  csctp_asconf_param p;
  int rc;
  while ((rc = csctp_asconf_param_next(&r, &p)) == 1) {
    fuzz_touch(p.raw.raw, p.raw.length);
    if (p.causes) fuzz_touch(p.causes, p.causes_len);
    if (p.addr.ip) fuzz_touch(p.addr.ip, p.addr.fam == 4 ? 4 : 16);
    switch (p.type) {
    case CSCTP_ASCONF_ADD_IP:
    case CSCTP_ASCONF_DEL_IP:
    case CSCTP_ASCONF_SET_PRIMARY:
      if (p.addr.fam) {
        csctp_asconf_request_write(&w, p.type, p.corr_id, p.addr.fam, p.addr.ip);
        n++;
      }
      break;
    case CSCTP_ASCONF_SUCCESS_IND:
      csctp_asconf_success_write(&w, p.corr_id);
      n++;
      break;
    case CSCTP_ASCONF_ERROR_IND:
      csctp_asconf_error_write(&w, p.corr_id, CSCTP_CAUSE_RESOURCE_SHORTAGE, p.causes,
                               p.causes_len);
      n++;
      break;
    default: break;
    }
  }
  if (rc != 0) __builtin_trap(); /* the walk refused what the decoder accepted */
  csctp_wr_tlv_end(&w, off);
  if (w.overflow) return;
  csctp_chunk c2 = {out[0], out[1], (uint16_t)csctp_get_u16(out + 2), out + 4,
                    csctp_get_u16(out + 2) - 4u};
  csctp_asconf_chunk again;
  if (csctp_asconf_decode(&c2, &again) != 0 || again.serial != c.serial ||
      again.has_addr != c.has_addr || again.n_params != n ||
      (c.has_addr && memcmp(again.addr.ip, c.addr.ip, c.addr.fam == 4 ? 4 : 16) != 0))
    __builtin_trap();
}

static void fuzz_chunk(const csctp_chunk *ch, uint8_t *out, size_t cap) {
  csctp_wr w;
  csctp_wr_init(&w, out, cap);

  /* RFC 4895 AUTH: decoded and written back with the same fields. */
  csctp_auth_chunk au;
  if (csctp_auth_decode(ch, &au) == 0) {
    fuzz_touch(au.hmac, au.hmac_len);
    if (au.hmac_len <= 64 && !(au.hmac_len & 3))
      csctp_auth_write(&w, au.key_id, au.hmac_id, au.hmac_len);
    csctp_cause_write_unsupported_hmac(&w, au.hmac_id);
  }

  /* ECN: ECNE and CWR decoded, written back, decoded again to the same fields. */
  uint32_t etsn, ecount, ctsn;
  if (csctp_ecne_decode(ch, &etsn, &ecount) == 0) {
    uint8_t e[CSCTP_ECNE_LEN];
    csctp_wr ew;
    csctp_wr_init(&ew, e, sizeof e);
    csctp_ecne_write(&ew, etsn, ecount);
    csctp_chunk c2 = {e[0], e[1], CSCTP_ECNE_LEN, e + 4, CSCTP_ECNE_LEN - 4};
    uint32_t t2, n2;
    if (ew.overflow || csctp_ecne_decode(&c2, &t2, &n2) != 0 || t2 != etsn || n2 != ecount) abort();
  }
  if (csctp_cwr_decode(ch, &ctsn) == 0) {
    uint8_t e[CSCTP_CWR_LEN];
    csctp_wr ew;
    csctp_wr_init(&ew, e, sizeof e);
    csctp_cwr_write(&ew, ctsn);
    csctp_chunk c2 = {e[0], e[1], CSCTP_CWR_LEN, e + 4, CSCTP_CWR_LEN - 4};
    uint32_t t2;
    if (ew.overflow || csctp_cwr_decode(&c2, &t2) != 0 || t2 != ctsn) abort();
  }

  csctp_data_chunk d;
  if (csctp_data_decode(ch, &d) == 0) {
    fuzz_touch(d.data, d.len);
    csctp_data_write(&w, &d);
  }

  csctp_init_chunk in;
  if (csctp_init_decode(ch, &in) == 0) {
    if (in.cookie) fuzz_touch(in.cookie, in.cookie_len);
    if (in.supported_ext) fuzz_touch(in.supported_ext, in.supported_ext_len);
    uint8_t vec[CSCTP_AUTH_VEC_MAX]; /* RFC 4895: the peer's key vector, within its bounds */
    size_t vl = csctp_auth_peer_vec(&in, vec);
    if (vl > sizeof(vec)) __builtin_trap();
    fuzz_touch(vec, vl);
    for (size_t i = 0; i < in.n_unrecognized; i++)
      fuzz_touch(in.unrecognized[i].raw, in.unrecognized[i].length);
    size_t off = csctp_init_write_begin(&w, CSCTP_CHUNK_INIT_ACK, &in);
    if (in.cookie) csctp_param_write(&w, CSCTP_PARAM_STATE_COOKIE, in.cookie, in.cookie_len);
    csctp_wr_tlv_end(&w, off);
    off = csctp_error_write_begin(&w);
    csctp_cause_write_unrecognized_params(&w, in.unrecognized, in.n_unrecognized);
    csctp_wr_tlv_end(&w, off);
  }
  fuzz_tlvs(ch, CSCTP_INIT_FIXED_LEN);

  csctp_sack_chunk s;
  if (csctp_sack_decode(ch, &s) == 0) {
    uint32_t acc = s.cum_tsn_ack;
    for (size_t i = 0; i < s.num_gap_blocks; i++) {
      uint16_t a, b;
      csctp_sack_gap(&s, i, &a, &b);
      acc += a + b;
    }
    for (size_t i = 0; i < s.num_dup_tsns; i++) acc += csctp_sack_dup(&s, i);
    fuzz_sink += acc;
    csctp_wr_rollback(&w, 0);
    csctp_sack_write(&w, s.cum_tsn_ack, s.a_rwnd, NULL, 0, NULL, 0);
  }

  const uint8_t *info;
  size_t info_len;
  if (csctp_heartbeat_decode(ch, &info, &info_len) == 0) {
    csctp_wr_rollback(&w, 0);
    csctp_heartbeat_write(&w, CSCTP_CHUNK_HEARTBEAT_ACK, info, info_len);
  }

  /* ABORT / ERROR / HEARTBEAT: TLVs from the start of the value. */
  fuzz_tlvs(ch, 0);
  fuzz_sink += csctp_cause_first(ch);

  uint32_t cum;
  if (csctp_shutdown_decode(ch, &cum) == 0) csctp_shutdown_write(&w, cum);

  /* RFC 3758 FORWARD TSN: pairs read back and re-encoded. */
  csctp_forward_tsn_chunk f;
  if (csctp_forward_tsn_decode(ch, &f) == 0) {
    uint16_t pairs[64][2];
    size_t n = f.n_pairs < 64 ? f.n_pairs : 64;
    for (size_t i = 0; i < n; i++) csctp_forward_tsn_pair(&f, i, &pairs[i][0], &pairs[i][1]);
    csctp_wr_rollback(&w, 0);
    csctp_forward_tsn_write(&w, f.new_cum_tsn, (const uint16_t(*)[2])pairs, n);
  }

  /* RFC 8260 I-DATA: re-encoded, and decoded again to the same fields. */
  csctp_idata_chunk id;
  if (csctp_idata_decode(ch, &id) == 0) {
    fuzz_touch(id.data, id.len);
    csctp_wr_rollback(&w, 0);
    csctp_idata_write(&w, &id);
    csctp_idata_chunk again;
    csctp_chunk c2 = {.type = out[0],
                      .flags = out[1],
                      .length = (uint16_t)w.len,
                      .value = out + 4,
                      .value_len = csctp_get_u16(out + 2) - 4u};
    if (!w.overflow && (csctp_idata_decode(&c2, &again) != 0 || again.tsn != id.tsn ||
                        again.mid != id.mid || again.ppid != id.ppid || again.fsn != id.fsn ||
                        again.len != id.len || again.stream != id.stream))
      __builtin_trap();
  }

  /* RFC 8260 I-FORWARD-TSN: entries read back and re-encoded. */
  csctp_iforward_tsn_chunk ift;
  if (csctp_iforward_tsn_decode(ch, &ift) == 0) {
    csctp_iforward_entry es[64];
    size_t n = ift.n_entries < 64 ? ift.n_entries : 64;
    for (size_t i = 0; i < n; i++) es[i] = csctp_iforward_tsn_entry(&ift, i);
    csctp_wr_rollback(&w, 0);
    csctp_iforward_tsn_write(&w, ift.new_cum_tsn, es, n);
  }

  /* RFC 6525 RE-CONFIG: every parameter, known ones re-encoded. */
  csctp_reconfig_chunk rc;
  if (csctp_reconfig_decode(ch, &rc) == 0) {
    csctp_wr_rollback(&w, 0);
    size_t off = csctp_reconfig_write_begin(&w);
    for (size_t i = 0; i < rc.n_params; i++) {
      const csctp_reconfig_param *p = &rc.params[i];
      for (size_t k = 0; k < p->n_streams; k++) fuzz_sink += csctp_reconfig_stream(p, k);
      fuzz_touch(p->raw.raw, p->raw.length);
      size_t mark = w.len;
      csctp_reconfig_param_write(&w, p, NULL);
      if (w.overflow) csctp_wr_rollback(&w, mark);
    }
    csctp_wr_tlv_end(&w, off);
  }

  fuzz_asconf(ch, out, cap);

  csctp_wr_rollback(&w, 0);
  size_t off = csctp_abort_write_begin(&w, ch->flags & CSCTP_FLAG_T);
  csctp_cause_write_unrecognized_chunk(&w, ch);
  csctp_wr_tlv_end(&w, off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t out[65536 + 1024];
  /* The same bytes as a lone INIT chunk from a description (SNAP's a=sctp-init). */
  fuzz_sink += (uint32_t)csctp_snap_init_check(data, size);
  csctp_common_hdr h;
  if (csctp_packet_parse_header(data, size, &h) != 0) {
    /* Short inputs still exercise both CRC paths. */
    if (csctp_crc32c_sw(0, data, size) != csctp_crc32c_hw(0, data, size)) __builtin_trap();
    return 0;
  }
  fuzz_sink += (uint32_t)csctp_packet_check_crc(data, size);
  if (size < 4096 && csctp_crc32c_sw(0, data, size) != csctp_crc32c(data, size)) __builtin_trap();

  csctp_chunk_iter it;
  csctp_chunk_iter_init(&it, data, size);
  csctp_chunk ch;
  while (csctp_chunk_next(&it, &ch) == 1) fuzz_chunk(&ch, out, sizeof(out));

  /* The I-DATA walk agrees with the general one wherever it takes a chunk. */
  csctp_chunk_iter fast, slow;
  csctp_chunk_iter_init(&fast, data, size);
  for (;;) {
    slow = fast;
    csctp_idata_chunk a, b;
    if (csctp_chunk_next_idata(&fast, &a)) {
      if (csctp_chunk_next(&slow, &ch) != 1 || csctp_idata_decode(&ch, &b) != 0 || a.tsn != b.tsn ||
          a.mid != b.mid || a.fsn != b.fsn || a.ppid != b.ppid || a.len != b.len ||
          a.data != b.data || slow.rd.pos != fast.rd.pos)
        __builtin_trap();
    } else if (csctp_chunk_next(&fast, &ch) != 1) {
      break;
    }
  }
  return 0;
}
