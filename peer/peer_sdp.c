/* SPDX-License-Identifier: MIT */
/*
 * The peer's offer/answer (JSEP, RFC 8829): our descriptions from the ICE
 * agent's credentials and candidates and our certificate's fingerprint; the
 * remote description into ICE (credentials, candidates, end of candidates),
 * DTLS (role from a=setup, RFC 8842; fingerprints, RFC 8122) and SCTP (port
 * and maximum message size, RFC 8841).
 */
#include <string.h>

#include "peer_priv.h"

void csctp_peer_sdp_local(const csctp_peer *p, csctp_sdp_local *loc, csctp_sdp_fingerprint *fp) {
  memset(fp, 0, sizeof *fp);
  g_strlcpy(fp->algorithm, "sha-256", sizeof fp->algorithm);
  memcpy(fp->value, p->local_fp.value, p->local_fp.len);
  fp->len = p->local_fp.len;
  csctp_sdp_local_default(loc);
  loc->session_id = p->session_id;
  loc->ice_ufrag = csctp_ice_agent_local_ufrag(p->ice);
  loc->ice_pwd = csctp_ice_agent_local_pwd(p->ice);
  loc->fingerprints = fp;
  loc->n_fingerprints = 1;
  loc->sctp_port = p->scfg.local_port;
  loc->max_message_size = p->scfg.max_message_size;
  loc->ice_pacing_ms = p->cfg.ice_pacing_ms;
  if (p->snap_init_len) {
    loc->sctp_init = p->snap_init;
    loc->sctp_init_len = p->snap_init_len;
  }
}

/* SNAP: our INIT chunk for a=sctp-init, made once (the association is still CLOSED). */
static void peer_make_snap_init(csctp_peer *p) {
  if (!p->cfg.snap || p->snap_init_len) return;
  csctp_ssize n = csctp_assoc_snap_init(p->assoc, p->snap_init, sizeof p->snap_init);
  if (n > 0) p->snap_init_len = (size_t)n;
}

/* Adds our candidates and end-of-candidates to `local`, then writes it. */
static csctp_ssize peer_write_local(csctp_peer *p, csctp_sdp *local, char *buf, size_t cap) {
  for (guint i = 0; i < p->local_candidates->len; i++) {
    /* NOBUF past CSCTP_SDP_MAX_CANDIDATES: the rest still trickle as events. */
    csctp_sdp_add_candidate(local, p->local_candidates->pdata[i]);
  }
  local->end_of_candidates = p->gathering_done;
  return csctp_sdp_write(local, buf, cap);
}

/* A description is about 23 KiB: ours exists only while it is written, the peer's only
 * until our answer no longer needs it (csctp_peer_drop_remote). */
void csctp_peer_drop_remote(csctp_peer *p) {
  if (p->remote) p->mem->free(p->remote, p->mem->user_data);
  p->remote = NULL;
}

csctp_ssize csctp_peer_create_offer(csctp_peer *p, char *buf, size_t cap) {
  if (!p || p->dead || !buf) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  if (p->remote_type == CSCTP_PEER_SDP_OFFER) return CSCTP_ERR_INVALID_STATE;
  if (!p->local_offer && csctp_ice_agent_set_controlling(p->ice, 1) != 0) {
    /* Not an error for the caller: ICE still connects, after a role conflict. */
    csctp_peer_log(p, CSCTP_LOG_WARN,
                   "peer: ICE stays controlled although we offer (gathering has started: "
                   "create the peer with csctp_peer_config.offerer); expect a role conflict");
  }
  peer_make_snap_init(p);
  csctp_sdp_local loc;
  csctp_sdp_fingerprint fp;
  csctp_peer_sdp_local(p, &loc, &fp);
  csctp_sdp *local = p->mem->calloc(1, sizeof *local, p->mem->user_data);
  if (!local) return CSCTP_ERR_NOMEM;
  csctp_ssize rv = csctp_sdp_create_offer(local, &loc);
  if (!rv) {
    p->local_offer = 1;
    rv = peer_write_local(p, local, buf, cap);
  }
  p->mem->free(local, p->mem->user_data);
  return rv;
}

csctp_ssize csctp_peer_create_answer(csctp_peer *p, char *buf, size_t cap) {
  if (!p || p->dead || !buf) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  if (p->remote_type != CSCTP_PEER_SDP_OFFER || !p->remote) return CSCTP_ERR_INVALID_STATE;
  csctp_sdp_local loc;
  csctp_sdp_fingerprint fp;
  csctp_peer_sdp_local(p, &loc, &fp);
  csctp_sdp *local = p->mem->calloc(1, sizeof *local, p->mem->user_data);
  if (!local) return CSCTP_ERR_NOMEM;
  csctp_ssize rv = csctp_sdp_create_answer(local, p->remote, &loc);
  if (!rv) rv = peer_write_local(p, local, buf, cap);
  p->mem->free(local, p->mem->user_data);
  return rv;
}

static int peer_hash_of(const char *name, csctp_dtls_hash *h) {
  static const struct {
    const char *name;
    csctp_dtls_hash hash;
  } map[] = {{"sha-1", CSCTP_DTLS_HASH_SHA1},
             {"sha-224", CSCTP_DTLS_HASH_SHA224},
             {"sha-256", CSCTP_DTLS_HASH_SHA256},
             {"sha-384", CSCTP_DTLS_HASH_SHA384},
             {"sha-512", CSCTP_DTLS_HASH_SHA512}};
  for (size_t i = 0; i < G_N_ELEMENTS(map); i++) {
    if (g_ascii_strcasecmp(name, map[i].name) == 0) {
      *h = map[i].hash;
      return 1;
    }
  }
  return 0;
}

/* Our DTLS role from the remote a=setup (RFC 8842 §5.2, §5.3). */
static int peer_role_from(csctp_peer_sdp_type type, csctp_sdp_setup setup, csctp_dtls_role *role) {
  if (type == CSCTP_PEER_SDP_OFFER) {
    /* Our answer says active to actpass / passive (csctp_sdp_create_answer). */
    if (setup == CSCTP_SDP_SETUP_HOLDCONN) return 0;
    *role = (setup == CSCTP_SDP_SETUP_ACTIVE || setup == CSCTP_SDP_SETUP_NONE) ? CSCTP_DTLS_SERVER
                                                                               : CSCTP_DTLS_CLIENT;
    return 1;
  }
  /* We offered actpass: the answerer picks; an absent a=setup means active (RFC 4145 §4.1). */
  if (setup == CSCTP_SDP_SETUP_ACTIVE || setup == CSCTP_SDP_SETUP_NONE) {
    *role = CSCTP_DTLS_SERVER;
    return 1;
  }
  if (setup == CSCTP_SDP_SETUP_PASSIVE) {
    *role = CSCTP_DTLS_CLIENT;
    return 1;
  }
  return 0;
}

int csctp_peer_set_remote_description(csctp_peer *p, csctp_peer_sdp_type type, const char *sdp,
                                      size_t len, csctp_sdp_error *err) {
  if (!p || p->dead || !sdp) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  if (err) memset(err, 0, sizeof *err);
  if (p->remote_type >= 0) return CSCTP_ERR_INVALID_STATE; /* no renegotiation */
  if (type == CSCTP_PEER_SDP_ANSWER && !p->local_offer) return CSCTP_ERR_INVALID_STATE;
  if (type == CSCTP_PEER_SDP_OFFER && p->local_offer) return CSCTP_ERR_INVALID_STATE;
  if (type != CSCTP_PEER_SDP_OFFER && type != CSCTP_PEER_SDP_ANSWER) {
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  if (!p->remote) p->remote = p->mem->calloc(1, sizeof *p->remote, p->mem->user_data);
  if (!p->remote) return CSCTP_ERR_NOMEM;
  int rv = csctp_sdp_parse(p->remote, sdp, len, err);
  if (rv) return rv;
  csctp_sdp *r = p->remote;
  if (r->data_index < 0 || r->media[r->data_index].port == 0 || !r->ice_ufrag[0] ||
      !r->ice_pwd[0] || r->n_fingerprints == 0) {
    if (err)
      g_strlcpy(err->message, "no usable data m-section (port, ICE credentials, fingerprint)",
                sizeof err->message);
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  csctp_dtls_role role;
  if (!peer_role_from(type, r->setup, &role)) {
    if (err) g_strlcpy(err->message, "unusable a=setup", sizeof err->message);
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  csctp_dtls_fingerprint fps[CSCTP_SDP_MAX_FINGERPRINTS];
  size_t nfp = 0;
  for (size_t i = 0; i < r->n_fingerprints; i++) {
    const csctp_sdp_fingerprint *f = &r->fingerprints[i];
    csctp_dtls_hash h;
    if (!peer_hash_of(f->algorithm, &h) || f->len == 0 || f->len > CSCTP_DTLS_FINGERPRINT_MAX) {
      continue;
    }
    fps[nfp].hash = h;
    fps[nfp].len = (uint8_t)f->len;
    memcpy(fps[nfp].value, f->value, f->len);
    nfp++;
  }
  if (nfp == 0) {
    if (err) g_strlcpy(err->message, "no a=fingerprint with a known hash", sizeof err->message);
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  if (type == CSCTP_PEER_SDP_OFFER && csctp_ice_agent_set_controlling(p->ice, 0) != 0) {
    if (err)
      g_strlcpy(err->message, "a remote offer to a peer created as the offerer (ICE controlling)",
                sizeof err->message);
    return CSCTP_ERR_INVALID_STATE;
  }
  /* SNAP: the peer's INIT must be one (the draft: an error otherwise). */
  if (p->cfg.snap && r->sctp_init_len && csctp_snap_init_check(r->sctp_init, r->sctp_init_len)) {
    if (err)
      g_strlcpy(err->message, "a=sctp-init: not a valid SCTP INIT chunk", sizeof err->message);
    return CSCTP_ERR_MALFORMED;
  }
  if (r->sctp_port != p->scfg.remote_port) {
    if (p->snap_init_len) { /* the INIT we offered was the old association's */
      csctp_peer_log(p, CSCTP_LOG_WARN, "peer: a=sctp-port %u: no SNAP", r->sctp_port);
      p->snap_init_len = 0;
    }
    /* The association was made for port 5000; remake it while nothing uses it. */
    if (csctp_dc_channel_count(p->dc) != 0) {
      if (err)
        g_strlcpy(err->message, "a=sctp-port other than 5000 after channels were created",
                  sizeof err->message);
      return CSCTP_ERR_INVALID_ARGUMENT;
    }
    rv = csctp_peer_remake_assoc(p, r->sctp_port);
    if (rv) return rv;
  }
  /* RFC 8445 §14.2: both pace at the larger proposal; a peer without a=ice-pacing
   * proposes the default, 50 ms. Set before the credentials start the checks. */
  uint32_t ta = r->ice_pacing_ms ? r->ice_pacing_ms : 50;
  if (ta < p->cfg.ice_pacing_ms) ta = p->cfg.ice_pacing_ms;
  if (ta > 1000) ta = 1000;
  csctp_ice_agent_set_pacing(p->ice, ta);
  rv = csctp_ice_agent_set_remote_credentials(p->ice, r->ice_ufrag, r->ice_pwd);
  if (rv) return rv;
  p->remote_type = (int)type;
  p->role = role;

  /* RFC 8841 §6.1: 0 = no limit; absent = 65536 (the parser fills that in). */
  uint64_t mms = r->max_message_size;
  p->remote_max_message_size = mms == 0 || mms > UINT32_MAX ? UINT32_MAX : (uint32_t)mms;
  csctp_dc_set_max_message_size(p->dc, p->remote_max_message_size);

  for (size_t i = 0; i < r->n_candidates; i++) {
    int crv = csctp_ice_agent_add_remote_candidate(p->ice, r->candidates[i].attr);
    csctp_peer_log(p, CSCTP_LOG_DEBUG, "peer: remote candidate %s: %s", r->candidates[i].attr,
                   crv == 1   ? "added"
                   : crv == 0 ? "ignored"
                              : csctp_strerror(crv));
  }
  if (r->end_of_candidates || !r->ice_trickle) csctp_ice_agent_end_of_remote_candidates(p->ice);
  csctp_peer_log(p, CSCTP_LOG_INFO,
                 "peer: remote %s set (setup %s, we are DTLS %s, sctp-port %u, "
                 "max-message-size %llu, ICE Ta %u ms)",
                 type == CSCTP_PEER_SDP_OFFER ? "offer" : "answer", csctp_sdp_setup_name(r->setup),
                 role == CSCTP_DTLS_CLIENT ? "client" : "server", r->sctp_port,
                 (unsigned long long)r->max_message_size, (unsigned)ta);
  /* SNAP: an offer with an INIT gets ours in the answer; an answer with one (not ours
   * echoed back) to an offer that had ours: both sides start from the other's. */
  if (p->cfg.snap && r->sctp_init_len && type == CSCTP_PEER_SDP_OFFER) peer_make_snap_init(p);
  p->snap = p->snap_init_len && r->sctp_init_len &&
            !(r->sctp_init_len == p->snap_init_len &&
              memcmp(r->sctp_init, p->snap_init, p->snap_init_len) == 0);
  if (!p->snap && p->snap_init_len && type == CSCTP_PEER_SDP_ANSWER && r->sctp_init_len)
    csctp_peer_log(p, CSCTP_LOG_WARN, "peer: the answer echoes our a=sctp-init: no SNAP");
  rv = csctp_peer_start_dtls(p, fps, nfp);
  if (rv) {
    csctp_peer_log(p, CSCTP_LOG_ERROR, "peer: DTLS endpoint: %s", csctp_strerror(rv));
    return rv;
  }
  if (p->snap) {
    rv = csctp_dtls_sctp_set_snap(p->ds, r->sctp_init, r->sctp_init_len);
    if (rv) return rv;
    csctp_peer_log(p, CSCTP_LOG_INFO, "peer: SNAP: SCTP starts from the INITs in the descriptions");
  }
  if (type == CSCTP_PEER_SDP_ANSWER) csctp_peer_drop_remote(p); /* all taken from it */
  return 0;
}

int csctp_peer_add_remote_candidate(csctp_peer *p, const char *candidate) {
  if (!p || p->dead) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  if (!candidate || !*candidate) return csctp_ice_agent_end_of_remote_candidates(p->ice);
  int rv = csctp_ice_agent_add_remote_candidate(p->ice, candidate);
  return rv == CSCTP_ERR_INVALID_ARGUMENT ? CSCTP_ERR_MALFORMED : rv;
}
