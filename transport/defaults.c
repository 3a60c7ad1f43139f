/* SPDX-License-Identifier: MIT */
/* csctp_defaults() (net.sctp names) and the PPID table of the original module. */
#include <csctp/socket.h>
#include <strings.h>

#include "host.h"

G_LOCK_DEFINE_STATIC(defaults);
static csctp_defaults_t defaults = {
    .rto_initial = 3000,
    .rto_min = 1000,
    .rto_max = 60000,
    .sack_timeout = 200,
    .sack_freq = 2,
    .hb_interval = 30000,
    .max_burst = 4,
    .association_max_retrans = 10,
    .max_init_retransmits = 8,
    .valid_cookie_life = 60000,
    .sndbuf = 1024 * 1024,
    .rcvbuf = 1024 * 1024,
};

void csctp_defaults(const csctp_defaults_t *set, csctp_defaults_t *out) {
  G_LOCK(defaults);
  if (set) {
#define D(f) \
  if (set->f) defaults.f = set->f
    D(rto_initial);
    D(rto_min);
    D(rto_max);
    D(sack_timeout);
    D(sack_freq);
    D(hb_interval);
    D(max_burst);
    D(association_max_retrans);
    D(max_init_retransmits);
    D(valid_cookie_life);
    D(sndbuf);
    D(rcvbuf);
#undef D
  }
  if (out) *out = defaults;
  G_UNLOCK(defaults);
}

void csctp_host_apply_defaults(csctp_config *cfg) {
  csctp_defaults_t d;
  csctp_defaults(NULL, &d);
  cfg->rto_initial = d.rto_initial;
  cfg->rto_min = d.rto_min;
  cfg->rto_max = d.rto_max;
  cfg->sack_timeout = d.sack_timeout;
  cfg->sack_freq = d.sack_freq;
  cfg->hb_interval = d.hb_interval;
  cfg->max_burst = d.max_burst;
  cfg->association_max_retrans = d.association_max_retrans;
  cfg->max_init_retransmits = d.max_init_retransmits;
  cfg->valid_cookie_life = d.valid_cookie_life;
  cfg->sndbuf = d.sndbuf;
  cfg->rwnd = d.rcvbuf;
  if (cfg->max_message_size > cfg->rwnd) cfg->max_message_size = cfg->rwnd;
}

static const struct {
  uint32_t ppid;
  const char *name;
} ppids[] = {
    {CSCTP_PPID_IUA, "IUA"},
    {CSCTP_PPID_M2UA, "M2UA"},
    {CSCTP_PPID_M3UA, "M3UA"},
    {CSCTP_PPID_SUA, "SUA"},
    {CSCTP_PPID_M2PA, "M2PA"},
    {CSCTP_PPID_V5UA, "V5UA"},
    {CSCTP_PPID_H248, "H248"},
    {CSCTP_PPID_BICC, "BICC"},
    {CSCTP_PPID_TALI, "TALI"},
    {CSCTP_PPID_DUA, "DUA"},
    {CSCTP_PPID_ASAP, "ASAP"},
    {CSCTP_PPID_ENRP, "ENRP"},
    {CSCTP_PPID_H323, "H323"},
    {CSCTP_PPID_QIPC, "QIPC"},
    {CSCTP_PPID_SIMCO, "SIMCO"},
    {CSCTP_PPID_DDP_SEGMENT, "DDP_SEGMENT"},
    {CSCTP_PPID_DDP_STREAM, "DDP_STREAM"},
    {CSCTP_PPID_S1AP, "S1AP"},
    {CSCTP_PPID_RUA, "RUA"},
    {CSCTP_PPID_HNBAP, "HNBAP"},
    {CSCTP_PPID_FORCES_HP, "FORCES_HP"},
    {CSCTP_PPID_FORCES_MP, "FORCES_MP"},
    {CSCTP_PPID_FORCES_LP, "FORCES_LP"},
    {CSCTP_PPID_SBC_AP, "SBC_AP"},
    {CSCTP_PPID_NBAP, "NBAP"},
    {CSCTP_PPID_X2AP, "X2AP"},
    {CSCTP_PPID_IRCP, "IRCP"},
    {CSCTP_PPID_LCS_AP, "LCS_AP"},
    {CSCTP_PPID_MPICH2, "MPICH2"},
    {CSCTP_PPID_SABP, "SABP"},
    {CSCTP_PPID_FGP, "FGP"},
    {CSCTP_PPID_PPP, "PPP"},
    {CSCTP_PPID_CALCAPP, "CALCAPP"},
    {CSCTP_PPID_SSP, "SSP"},
    {CSCTP_PPID_NPMP_CONTROL, "NPMP_CONTROL"},
    {CSCTP_PPID_NPMP_DATA, "NPMP_DATA"},
    {CSCTP_PPID_ECHO, "ECHO"},
    {CSCTP_PPID_DISCARD, "DISCARD"},
    {CSCTP_PPID_DAYTIME, "DAYTIME"},
    {CSCTP_PPID_CHARGEN, "CHARGEN"},
    {CSCTP_PPID_3GPP_RNA, "3GPP_RNA"},
    {CSCTP_PPID_3GPP_M2AP, "3GPP_M2AP"},
    {CSCTP_PPID_3GPP_M3AP, "3GPP_M3AP"},
    {CSCTP_PPID_SSH, "SSH"},
    {CSCTP_PPID_DIAMETER, "DIAMETER"},
    {CSCTP_PPID_DIAMETER_DTLS, "DIAMETER_DTLS"},
    {CSCTP_PPID_R14P, "R14P"},
    {CSCTP_PPID_WEBRTC_DCEP, "WEBRTC_DCEP"},
    {CSCTP_PPID_WEBRTC_STRING, "WEBRTC_STRING"},
    {CSCTP_PPID_WEBRTC_BINARY_PARTIAL, "WEBRTC_BINARY_PARTIAL"},
    {CSCTP_PPID_WEBRTC_BINARY, "WEBRTC_BINARY"},
    {CSCTP_PPID_WEBRTC_STRING_PARTIAL, "WEBRTC_STRING_PARTIAL"},
    {CSCTP_PPID_WEBRTC_STRING_EMPTY, "WEBRTC_STRING_EMPTY"},
    {CSCTP_PPID_WEBRTC_BINARY_EMPTY, "WEBRTC_BINARY_EMPTY"},
};

const char *csctp_ppid_name(uint32_t ppid) {
  for (size_t i = 0; i < G_N_ELEMENTS(ppids); i++)
    if (ppids[i].ppid == ppid) return ppids[i].name;
  return NULL;
}

int csctp_ppid_lookup(const char *name, uint32_t *ppid) {
  if (!name) return CSCTP_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < G_N_ELEMENTS(ppids); i++)
    if (strcasecmp(ppids[i].name, name) == 0) {
      if (ppid) *ppid = ppids[i].ppid;
      return 0;
    }
  return CSCTP_ERR_INVALID_ARGUMENT;
}
