/* SPDX-License-Identifier: MIT */
/* Error names, the default allocator and the parser of CSCTP_DEBUG (categories, levels). */
#include <csctp/common.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *csctp_strerror(int err) {
  switch (err) {
  case CSCTP_OK: return "success";
  case CSCTP_ERR_INVALID_ARGUMENT: return "invalid argument";
  case CSCTP_ERR_INVALID_STATE: return "operation not allowed in the current state";
  case CSCTP_ERR_STREAM_ID: return "stream identifier out of the negotiated range";
  case CSCTP_ERR_MSG_TOO_LARGE: return "message larger than the maximum message size";
  case CSCTP_ERR_WOULD_BLOCK: return "send buffer full";
  case CSCTP_ERR_NOBUF: return "buffer too small";
  case CSCTP_ERR_CLOSED: return "association shutting down or closed";
  case CSCTP_ERR_RANDOM: return "random source failed";
  case CSCTP_ERR_MALFORMED: return "malformed input";
  case CSCTP_ERR_ADDRESS_IN_USE: return "address already in use";
  case CSCTP_ERR_PERMISSION: return "permission denied (raw IP needs root or CAP_NET_RAW)";
  case CSCTP_ERR_SOCKET: return "socket operation failed";
  case CSCTP_ERR_NO_DESCRIPTORS: return "out of file descriptors (raise RLIMIT_NOFILE: ulimit -n)";
  case CSCTP_ERR_HANDOVER_AUTH: return "handover blob not authentic (wrong key or altered)";
  case CSCTP_ERR_HANDOVER_STALE: return "handover blob too old or from the future";
  case CSCTP_ERR_HANDOVER_VERSION: return "handover blob of an unknown format version";
  case CSCTP_ERR_NOMEM: return "out of memory";
  case CSCTP_ERR_CRYPTO: return "cryptographic operation failed";
  case CSCTP_ERR_DTLS_HANDSHAKE: return "DTLS handshake failed";
  case CSCTP_ERR_FINGERPRINT: return "peer certificate does not match the expected fingerprint";
  case CSCTP_ERR_DTLS_ALERT: return "DTLS alert received from the peer";
  case CSCTP_ERR_ICE_FAILED: return "ICE failed (no working candidate pair, or consent lost)";
  case CSCTP_ERR_TIMEOUT: return "timed out: the peer did not answer";
  case CSCTP_ERR_UNREACHABLE: return "peer unreachable (ICMP)";
  case CSCTP_ERR_PEER_ABORT: return "association aborted by the peer";
  case CSCTP_ERR_PROTOCOL: return "association aborted: the peer violated the protocol or a limit";
  default: return "unknown error";
  }
}

int csctp_err_is_fatal(int err) { return err <= CSCTP_ERR_FATAL; }

static void *mem_malloc(size_t size, void *u) {
  (void)u;
  return malloc(size);
}
static void mem_free(void *p, void *u) {
  (void)u;
  free(p);
}
static void *mem_calloc(size_t n, size_t size, void *u) {
  (void)u;
  return calloc(n, size);
}
static void *mem_realloc(void *p, size_t size, void *u) {
  (void)u;
  return realloc(p, size);
}

static const csctp_mem default_mem = {NULL, mem_malloc, mem_free, mem_calloc, mem_realloc};

const csctp_mem *csctp_mem_default(void) { return &default_mem; }

/* The category bits of the name spec[0..n) ("*" for all), 0 when unknown. */
static uint32_t log_category_bits(const char *spec, size_t n) {
  static const struct {
    const char *name;
    uint32_t bit;
  } names[] = {
      {"sctp", CSCTP_LOG_SCTP}, {"dtls", CSCTP_LOG_DTLS}, {"ice", CSCTP_LOG_ICE},
      {"dc", CSCTP_LOG_DC},     {"peer", CSCTP_LOG_PEER},
  };
  if (n == 1 && spec[0] == '*') return CSCTP_LOG_ALL;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strlen(names[i].name) == n && strncasecmp(names[i].name, spec, n) == 0) return names[i].bit;
  return 0;
}

static const char *const log_level_names[CSCTP_LOG_LEVELS] = {"error", "warn", "info", "debug"};

const char *csctp_log_level_name(csctp_log_level level) {
  return (unsigned)level < CSCTP_LOG_LEVELS ? log_level_names[level] : "?";
}

/* The level named by spec[0..n) (any case), or -1 when unknown. */
static int log_level_named(const char *spec, size_t n) {
  for (int l = 0; l < CSCTP_LOG_LEVELS; l++)
    if (strlen(log_level_names[l]) == n && strncasecmp(log_level_names[l], spec, n) == 0) return l;
  return -1;
}

/*
 * Walks the items of a CSCTP_DEBUG list ("sctp", "sctp:info", "*"), separated by commas or
 * spaces, and applies each known one to `levels` in order; returns the union of their categories.
 */
static uint32_t log_spec_walk(const char *spec, uint32_t levels[CSCTP_LOG_LEVELS]) {
  uint32_t mask = 0;
  if (!spec) return 0;
  while (*spec) {
    size_t n = strcspn(spec, ", ");
    size_t name_len = strcspn(spec, ":, ");
    int threshold = CSCTP_LOG_DEBUG;
    if (name_len < n) threshold = log_level_named(spec + name_len + 1, n - name_len - 1);
    uint32_t bits = log_category_bits(spec, name_len);
    if (bits && threshold >= 0) {
      mask |= bits;
      csctp_log_levels_set(levels, bits, (csctp_log_level)threshold);
    }
    spec += n;
    while (*spec == ',' || *spec == ' ') spec++;
  }
  return mask;
}

uint32_t csctp_log_mask_parse(const char *spec) {
  uint32_t levels[CSCTP_LOG_LEVELS] = {0};
  return log_spec_walk(spec, levels);
}

void csctp_log_levels_parse(const char *spec, uint32_t levels[CSCTP_LOG_LEVELS]) {
  for (int l = 0; l < CSCTP_LOG_LEVELS; l++) levels[l] = 0;
  log_spec_walk(spec, levels);
}

void csctp_log_levels_set(uint32_t levels[CSCTP_LOG_LEVELS], uint32_t categories,
                          csctp_log_level threshold) {
  for (int l = 0; l < CSCTP_LOG_LEVELS; l++) {
    if (l <= (int)threshold)
      levels[l] |= categories;
    else
      levels[l] &= ~categories;
  }
}
