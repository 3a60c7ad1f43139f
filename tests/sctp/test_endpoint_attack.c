/* SPDX-License-Identifier: MIT */
/*
 * Attacks on the endpoint from outside (issue 11), each performed through the
 * real code path: a server endpoint over "UDP" (addresses are an IPv4 address
 * and a UDP port, csctp_endpoint_set_addr_port_len 2), client engines in
 * memory, crafted packets from other addresses, on a virtual clock.
 *
 * - path: nothing moves an association's path before a packet has passed its
 *   checksum, its tag and its chunk checks and the association took it; the
 *   peer's IP never changes; over UDP the port follows a fully valid packet.
 * - tags: packets are matched to their association by address and ports
 *   (RFC 9260 §8.5), so a wrong tag is silence, not an ABORT.
 */
#include "ep_attack_util.h"

TestSuite(endpoint_attack, .init = setup, .fini = teardown);

/* ---- finding 2: no path move before a packet is proven ---- */

/* One HEARTBEAT with a bad CRC32c and the right tag from another IP redirected the
 * association's packets to the attacker. */
Test(endpoint_attack, bad_crc_from_other_ip_moves_nothing) {
  client *c = client_new(2, 1111, 4000);
  csctp_assoc *srv = connect_client(c);
  csctp_addr evil;
  addr_make(&evil, 66, 1111);
  uint8_t p[64];
  size_t n = make_heartbeat(p, c->port, srv->local_tag);
  bad_crc(p);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &evil, p, n, now_t, NULL), 0);
  csctp_addr now_peer = peer_of(srv);
  cr_assert_eq(memcmp(now_peer.data, c->addr.data, 6), 0, "the path moved to the attacker");
  /* The association's next packets still go to the client. */
  csctp_send_opts o = {.stream = 0, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(srv, &o, (const uint8_t *)"hello", 5, now_t), 0);
  server_out();
  cr_assert_eq(stray, 0, "a packet went to the attacker");
}

/* The same with a correct CRC from another IP: the tag is valid, the address is not the
 * association's (single-homed): dropped and counted, nothing answered, nothing moved. */
Test(endpoint_attack, valid_packet_from_other_ip_is_not_the_associations) {
  client *c = client_new(2, 1111, 4000);
  csctp_assoc *srv = connect_client(c);
  csctp_addr evil;
  addr_make(&evil, 66, 1111);
  uint8_t p[64];
  size_t n = make_heartbeat(p, c->port, srv->local_tag);
  uint64_t hb_before = srv->stats.chunks_in;
  csctp_assoc *pa = NULL;
  cr_assert_eq(csctp_endpoint_read_packet(ep, &evil, p, n, now_t, &pa), 0);
  cr_assert_null(pa, "delivered to the association");
  cr_assert_eq(srv->stats.chunks_in, hb_before);
  server_out();
  cr_assert_eq(stray, 0, "answered to the attacker");
  cr_assert_eq(memcmp(peer_of(srv).data, c->addr.data, 6), 0);
  csctp_endpoint_stats st;
  csctp_endpoint_get_stats(ep, &st);
  cr_assert_eq(st.drop_unknown_peer, 1);
}

/* From the peer's IP and another UDP port: a bad CRC or a wrong tag moves nothing; a fully
 * valid packet that the association takes moves the UDP port (RFC 6951 §5.4). */
Test(endpoint_attack, udp_port_follows_only_valid_packets) {
  client *c = client_new(2, 1111, 4000);
  csctp_assoc *srv = connect_client(c);
  csctp_addr moved;
  addr_make(&moved, 2, 2222);
  uint8_t p[64];
  size_t n = make_heartbeat(p, c->port, srv->local_tag);
  bad_crc(p);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &moved, p, n, now_t, NULL), 0);
  cr_assert_eq(peer_udp(srv), 1111, "a bad CRC moved the UDP port");
  n = make_heartbeat(p, c->port, srv->local_tag ^ 1);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &moved, p, n, now_t, NULL), 0);
  cr_assert_eq(peer_udp(srv), 1111, "a wrong tag moved the UDP port");
  server_out();
  cr_assert_eq(stray, 0, "a wrong tag was answered");
  /* A HEARTBEAT that passes everything: the association answers it at the new port. */
  n = make_heartbeat(p, c->port, srv->local_tag);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &moved, p, n, now_t, NULL), 0);
  cr_assert_eq(peer_udp(srv), 2222);
  server_out();
  cr_assert_eq(stray, 1);
  cr_assert_eq(stray_pkt[12], CSCTP_CHUNK_HEARTBEAT_ACK);
  cr_assert_eq(udp_of(&stray_to), 2222);
}

/* Over raw IP (no UDP port in the address) the address never changes: a packet from another
 * address is another peer's. */
Test(endpoint_attack, raw_ip_address_never_moves) {
  server_new(0, 0);
  client *c = client_new(2, 0, 4000);
  c->addr.len = 4;
  csctp_assoc *srv = connect_client(c);
  csctp_addr evil;
  addr_make(&evil, 66, 0);
  evil.len = 4;
  uint8_t p[64];
  size_t n = make_heartbeat(p, c->port, srv->local_tag);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &evil, p, n, now_t, NULL), 0);
  bad_crc(p);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &evil, p, n, now_t, NULL), 0);
  cr_assert_eq(memcmp(peer_of(srv).data, c->addr.data, 4), 0);
  server_out();
  cr_assert_eq(stray, 0);
}

/* ---- finding 4: a wrong tag is silence ---- */

/* 1,000 packets with wrong tags from the peer's own address and ports: no ABORT, no
 * answer, the association lives on, every one counted. */
Test(endpoint_attack, wrong_tag_is_silence) {
  client *c = client_new(2, 1111, 4000);
  csctp_assoc *srv = connect_client(c);
  csctp_prng g;
  csctp_prng_seed(&g, 3);
  uint64_t bad_before = srv->stats.drop_bad_vtag;
  int answered = 0;
  for (int i = 0; i < 1000; i++) {
    uint8_t p[64];
    uint32_t tag = (uint32_t)csctp_prng_next(&g) | 1;
    if (tag == srv->local_tag) tag ^= 2;
    size_t n = make_heartbeat(p, c->port, tag);
    cr_assert_eq(csctp_endpoint_read_packet(ep, &c->addr, p, n, now_t, NULL), 0);
    uint8_t b[PKT_MAX];
    csctp_addr to;
    while (csctp_endpoint_write_packet(ep, b, sizeof(b), now_t, &to, NULL) > 0) answered++;
  }
  cr_assert_eq(answered, 0, "%d answers (ABORTs) to packets with a wrong tag", answered);
  cr_assert_eq(srv->stats.drop_bad_vtag - bad_before, 1000);
  cr_assert_eq(csctp_assoc_get_state(srv), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(c->a), CSCTP_STATE_ESTABLISHED);
  /* The association still works. */
  csctp_send_opts o = {.stream = 0, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(c->a, &o, (const uint8_t *)"ok", 2, now_t), 0);
  pump();
  cr_assert_eq(srv_messages, 1);
}

/* The RFC's exceptions still reach the association: an ABORT with the T bit and the peer's
 * own tag (§8.5.1 B) closes it. */
Test(endpoint_attack, t_bit_abort_with_peer_tag) {
  client *c = client_new(2, 1111, 4000);
  csctp_assoc *srv = connect_client(c);
  uint8_t p[16] = {0};
  csctp_put_u16(p, c->port);
  csctp_put_u16(p + 2, SRV_PORT);
  csctp_put_u32(p + 4, srv->peer_tag);
  p[12] = CSCTP_CHUNK_ABORT;
  p[13] = CSCTP_FLAG_T;
  csctp_put_u16(p + 14, 4);
  csctp_packet_set_crc(p, 16);
  /* From another IP: not the association's. */
  csctp_addr evil;
  addr_make(&evil, 66, 1111);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &evil, p, 16, now_t, NULL), 0);
  cr_assert_eq(csctp_assoc_get_state(srv), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &c->addr, p, 16, now_t, NULL), 0);
  server_events();
  cr_assert_eq(srv_closed, 1);
}

/* One association per peer address and port: connect refuses a second one. */
Test(endpoint_attack, connect_to_a_peer_that_has_an_association) {
  client *c = client_new(2, 1111, 4000);
  csctp_assoc *srv = connect_client(c);
  (void)srv;
  csctp_assoc *a = NULL;
  csctp_addr same;
  addr_make(&same, 2, 3333); /* another UDP port: the same peer */
  cr_assert_eq(csctp_endpoint_connect(ep, &same, c->port, NULL, now_t, &a),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_null(a);
  cr_assert_eq(csctp_endpoint_count(ep), 1);
  /* Another SCTP port of the same IP is another peer. */
  cr_assert_eq(csctp_endpoint_connect(ep, &same, (uint16_t)(c->port + 1), NULL, now_t, &a), 0);
  cr_assert_eq(csctp_endpoint_count(ep), 2);
}

/* ---- finding 5: RFC edges ---- */

/* An INIT from `sport` to `dport` with `nparams` unknown parameters whose type asks for
 * a report (0xc100 + i: upper bits 11, skip and report, RFC 9260 §3.2.1), CRC correct. */
static size_t make_init(uint8_t *p, uint16_t sport, uint16_t dport, int nparams) {
  size_t clen = 20 + (size_t)nparams * 8;
  memset(p, 0, 12 + clen);
  csctp_put_u16(p, sport);
  csctp_put_u16(p + 2, dport);
  p[12] = CSCTP_CHUNK_INIT;
  csctp_put_u16(p + 14, (uint16_t)clen);
  csctp_put_u32(p + 16, 0x11223344); /* Initiate Tag */
  csctp_put_u32(p + 20, 65536);      /* a_rwnd */
  csctp_put_u16(p + 24, 10);
  csctp_put_u16(p + 26, 10);
  csctp_put_u32(p + 28, 1000);
  for (int i = 0; i < nparams; i++) {
    uint8_t *q = p + 32 + i * 8;
    csctp_put_u16(q, (uint16_t)(0xc100 + i));
    csctp_put_u16(q + 2, 8);
    csctp_put_u32(q + 4, 0xabc00000u + (uint32_t)i);
  }
  csctp_packet_set_crc(p, 12 + clen);
  return 12 + clen;
}

/* §3.1: port 0 is never used. An INIT from source port 0 was answered with an INIT ACK. */
Test(endpoint_attack, port_zero_is_dropped) {
  csctp_addr from;
  addr_make(&from, 9, 1111);
  uint8_t p[PKT_MAX];
  size_t n = make_init(p, 0, SRV_PORT, 0);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &from, p, n, now_t, NULL), 0);
  cr_assert_eq(server_out(), 0, "an INIT from port 0 was answered");
  n = make_heartbeat(p, 4000, 0x12345678);
  csctp_put_u16(p + 2, 0); /* to port 0 */
  csctp_packet_set_crc(p, n);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &from, p, n, now_t, NULL), 0);
  cr_assert_eq(server_out(), 0);
  csctp_endpoint_stats st;
  csctp_endpoint_get_stats(ep, &st);
  cr_assert_eq(st.drop_port_zero, 2);
}

/* §8.4 rule 8: an INIT over UDP for an SCTP port nobody serves was ignored; it gets an
 * ABORT (their tag, T bit clear) from that port. Over raw IP, or switched off: silence. */
Test(endpoint_attack, init_to_an_unserved_port) {
  csctp_addr from;
  addr_make(&from, 9, 1111);
  uint8_t p[PKT_MAX];
  size_t n = make_init(p, 4000, 6000, 0);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &from, p, n, now_t, NULL), 0);
  cr_assert_eq(server_out(), 1, "an INIT for an unserved port was not answered");
  cr_assert_eq(stray_pkt[12], CSCTP_CHUNK_ABORT);
  cr_assert_eq(stray_pkt[13] & CSCTP_FLAG_T, 0);
  cr_assert_eq(csctp_get_u32(stray_pkt + 4), 0x11223344);
  cr_assert_eq(csctp_get_u16(stray_pkt), 6000);
  cr_assert_eq(csctp_get_u16(stray_pkt + 2), 4000);
  cr_assert(csctp_packet_check_crc(stray_pkt, stray_len));
  cr_assert_eq(csctp_endpoint_count(ep), 0);
  csctp_endpoint_answer_other_ports(ep, 0);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &from, p, n, now_t, NULL), 0);
  cr_assert_eq(server_out(), 0);
  server_new(0, 0); /* raw IP: the host's other stacks see the packet too */
  from.len = 4;
  cr_assert_eq(csctp_endpoint_read_packet(ep, &from, p, n, now_t, NULL), 0);
  cr_assert_eq(server_out(), 0);
}

/* §3.2.1: every unrecognized parameter that asks for a report is reported in the INIT ACK,
 * as many as fit; ten were cut to eight by a constant. */
Test(endpoint_attack, ten_unrecognized_parameters_reported) {
  csctp_addr from;
  addr_make(&from, 9, 1111);
  uint8_t p[PKT_MAX];
  size_t n = make_init(p, 4000, SRV_PORT, 10);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &from, p, n, now_t, NULL), 0);
  cr_assert_eq(server_out(), 1);
  cr_assert_eq(stray_pkt[12], CSCTP_CHUNK_INIT_ACK);
  int reported = 0;
  for (size_t off = 12 + 20; off + 4 <= stray_len;) {
    uint16_t type = csctp_get_u16(stray_pkt + off), plen = csctp_get_u16(stray_pkt + off + 2);
    cr_assert_geq(plen, 4);
    if (type == 8) {
      cr_assert_eq(csctp_get_u16(stray_pkt + off + 4), 0xc100 + reported);
      reported++;
    }
    off += (plen + 3u) & ~3u;
  }
  cr_assert_eq(reported, 10, "%d of 10 unrecognized parameters reported", reported);
}
