/* SPDX-License-Identifier: MIT */
/*
 * CRC32c (Castagnoli), RFC 9260 Appendix B. Internally every routine works on
 * the raw CRC register (initial value all ones, no final inversion); the
 * public functions invert on entry and exit so that a returned value can be
 * fed back to csctp_crc32c_update().
 *
 * Hardware path: the CPU's CRC32C instruction (SSE4.2 crc32q on x86-64, the
 * ARMv8 CRC extension's crc32cx on aarch64). Its latency is about three times
 * its throughput, so large buffers are split into three lanes computed
 * side by side; lane results are joined with tables that advance a register
 * over a fixed number of zero bytes (CRC is linear: the register after A||B
 * is zeros_|B|(reg after A) xor reg(B from 0)).
 */
#include "crc32c.h"

#include <string.h>

#include "crc32c_table.h"
#include "crc32c_table_mid.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define CRC32C_HW 1
#define CRC32C_HW_TARGET __attribute__((target("sse4.2")))
#define CRC32C_HW_U64(c, v) crc32c_x86_u64((c), (v))
/* The instruction on a 64-bit register, so that lanes need no zero-extension moves between steps
 * (the intrinsic's result type makes compilers insert them). */
static inline uint64_t crc32c_x86_u64(uint64_t c, uint64_t v) {
  __asm__("crc32q %1, %0" : "+r"(c) : "rm"(v));
  return c;
}
#define CRC32C_HW_U32(c, v) _mm_crc32_u32((c), (v))
#define CRC32C_HW_U16(c, v) _mm_crc32_u16((c), (v))
#define CRC32C_HW_U8(c, v) _mm_crc32_u8((c), (v))
#define CRC32C_CLMUL 1
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#include <arm_acle.h>
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#define CRC32C_HW 1
#if defined(__clang__)
/* Older clang declares the ACLE names only when +crc is on for the whole file. */
#define CRC32C_HW_TARGET __attribute__((target("crc")))
#define CRC32C_HW_U64(c, v) __builtin_arm_crc32cd((c), (v))
#define CRC32C_HW_U32(c, v) __builtin_arm_crc32cw((c), (v))
#define CRC32C_HW_U16(c, v) __builtin_arm_crc32ch((c), (v))
#define CRC32C_HW_U8(c, v) __builtin_arm_crc32cb((c), (v))
#else
#define CRC32C_HW_TARGET __attribute__((target("+crc")))
#define CRC32C_HW_U64(c, v) __crc32cd((c), (v))
#define CRC32C_HW_U32(c, v) __crc32cw((c), (v))
#define CRC32C_HW_U16(c, v) __crc32ch((c), (v))
#define CRC32C_HW_U8(c, v) __crc32cb((c), (v))
#endif
#define CRC32C_CLMUL 0
#else
#define CRC32C_HW 0
#define CRC32C_CLMUL 0
#endif

/* Little-endian loads without alignment assumptions (compilers fuse them). */
static inline uint32_t crc32c_le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t crc32c_le64(const uint8_t *p) {
  return (uint64_t)crc32c_le32(p) | ((uint64_t)crc32c_le32(p + 4) << 32);
}

/* Slice-by-8 over the raw register. */
static uint32_t crc32c_sw_raw(uint32_t r, const uint8_t *p, size_t len) {
  const uint32_t(*t)[256] = crc32c_sw_tab;
  while (len >= 8) {
    uint32_t lo = r ^ crc32c_le32(p);
    uint32_t hi = crc32c_le32(p + 4);
    r = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
        t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
    p += 8;
    len -= 8;
  }
  while (len--) r = (r >> 8) ^ t[0][(r ^ *p++) & 0xff];
  return r;
}

uint32_t csctp_crc32c_sw(uint32_t crc, const uint8_t *p, size_t len) {
  return ~crc32c_sw_raw(~crc, p, len);
}

#if CRC32C_HW

/* Advances a register over the table's number of zero bytes. */
static inline uint32_t crc32c_shift(const uint32_t (*z)[256], uint32_t r) {
  return z[0][r & 0xff] ^ z[1][(r >> 8) & 0xff] ^ z[2][(r >> 16) & 0xff] ^ z[3][r >> 24];
}

/*
 * The same with one carry-less multiply: r times x^(8n - 33) mod P (k, bit-reflected), whose
 * 64-bit product the CRC instruction reduces, multiplying by x^32 on the way (and the reflected
 * product is one bit short of x^1): r x^(8n) mod P in four instructions instead of fourteen.
 * The constants are the lane sizes' (CRC32C_K_*, checked against the tables by test_crc32c).
 * pclmulqdq is written as asm, so that the callers keep the plain SSE4.2 target and the choice
 * between the two joins stays a run-time flag.
 */
#define CRC32C_K_LONG 0xa51b6135u  /* x^(8 * 2048 - 33) mod P */
#define CRC32C_K_MID 0xd270f1a2u   /* x^(8 * 384 - 33) mod P */
#define CRC32C_K_SHORT 0x0d3b6092u /* x^(8 * 128 - 33) mod P */
#if CRC32C_CLMUL
CRC32C_HW_TARGET static inline uint32_t crc32c_shift_clmul(uint32_t r, uint64_t k) {
  __m128i a = _mm_cvtsi32_si128((int)r), b = _mm_cvtsi64_si128((long long)k);
  __asm__("pclmulqdq $0x00, %1, %0" : "+x"(a) : "x"(b));
  return (uint32_t)CRC32C_HW_U64(0, (uint64_t)_mm_cvtsi128_si64(a));
}
#define CRC32C_SHIFT(z, k, clmul, r) \
  ((clmul) ? crc32c_shift_clmul((r), (k)) : crc32c_shift((z), (r)))
#else
#define CRC32C_SHIFT(z, k, clmul, r) ((void)(k), (void)(clmul), crc32c_shift((z), (r)))
#endif

/*
 * Three lanes of `lane` bytes each (a multiple of 128: every CRC32C_LANE_*): the first continues
 * r, the other two start from 0 and are shifted into place. 64-bit registers and sixteen steps
 * per lane per iteration keep the loop at 51 instructions per 384 bytes.
 */
#define CRC32C_STEP3(k)                                      \
  do {                                                       \
    r0 = CRC32C_HW_U64(r0, crc32c_le64(p + (k)));            \
    r1 = CRC32C_HW_U64(r1, crc32c_le64(p + lane + (k)));     \
    r2 = CRC32C_HW_U64(r2, crc32c_le64(p + 2 * lane + (k))); \
  } while (0)
CRC32C_HW_TARGET static inline __attribute__((always_inline)) uint32_t crc32c_hw_lanes(
    uint32_t r, const uint8_t *p, size_t lane, const uint32_t (*z)[256], uint64_t kz, int clmul) {
  uint64_t r0 = r, r1 = 0, r2 = 0;
  const uint8_t *end = p + lane;
  while (p < end) {
#if defined(__clang__)
#pragma unroll
#elif defined(__GNUC__)
#pragma GCC unroll 16
#endif
    for (int k = 0; k < 128; k += 8) CRC32C_STEP3(k);
    p += 128;
  }
  uint32_t j = CRC32C_SHIFT(z, kz, clmul, (uint32_t)r0) ^ (uint32_t)r1;
  return CRC32C_SHIFT(z, kz, clmul, j) ^ (uint32_t)r2;
}
#undef CRC32C_STEP3

/* Unaligned loads: the CRC instructions take them at full speed on current cores.
 * Always inlined, so callers carry the same target attribute (crc32c_hw_any wraps it for the
 * rest): the packet path is one call. */
CRC32C_HW_TARGET static inline __attribute__((always_inline)) uint32_t crc32c_hw_raw(
    uint32_t r, const uint8_t *p, size_t len, int clmul) {
  while (len >= 3 * CRC32C_LANE_LONG) {
    r = crc32c_hw_lanes(r, p, CRC32C_LANE_LONG, crc32c_zeros_long, CRC32C_K_LONG, clmul);
    p += 3 * CRC32C_LANE_LONG;
    len -= 3 * CRC32C_LANE_LONG;
  }
  if (len >= 3 * CRC32C_LANE_MID) { /* a full packet at MTU 1200: one join */
    r = crc32c_hw_lanes(r, p, CRC32C_LANE_MID, crc32c_zeros_mid, CRC32C_K_MID, clmul);
    p += 3 * CRC32C_LANE_MID;
    len -= 3 * CRC32C_LANE_MID;
  }
  while (len >= 3 * CRC32C_LANE_SHORT) {
    r = crc32c_hw_lanes(r, p, CRC32C_LANE_SHORT, crc32c_zeros_short, CRC32C_K_SHORT, clmul);
    p += 3 * CRC32C_LANE_SHORT;
    len -= 3 * CRC32C_LANE_SHORT;
  }
  uint64_t r64 = r;
  while (len >= 32) {
    r64 = CRC32C_HW_U64(r64, crc32c_le64(p));
    r64 = CRC32C_HW_U64(r64, crc32c_le64(p + 8));
    r64 = CRC32C_HW_U64(r64, crc32c_le64(p + 16));
    r64 = CRC32C_HW_U64(r64, crc32c_le64(p + 24));
    p += 32;
    len -= 32;
  }
  while (len >= 8) {
    r64 = CRC32C_HW_U64(r64, crc32c_le64(p));
    p += 8;
    len -= 8;
  }
  r = (uint32_t)r64;
  if (len & 4) {
    r = CRC32C_HW_U32(r, crc32c_le32(p));
    p += 4;
  }
  if (len & 2) {
    r = CRC32C_HW_U16(r, (uint16_t)(p[0] | (p[1] << 8)));
    p += 2;
  }
  if (len & 1) r = CRC32C_HW_U8(r, *p);
  return r;
}

/* 1 when lanes may be joined with a carry-less multiply (else with the tables). */
static inline int crc32c_clmul_ok(void) {
#if CRC32C_CLMUL
  return __builtin_cpu_supports("pclmul");
#else
  return 0;
#endif
}

/* crc32c_hw_raw for callers without the target attribute. */
CRC32C_HW_TARGET static uint32_t crc32c_hw_any(uint32_t r, const uint8_t *p, size_t len) {
  if (crc32c_clmul_ok()) return crc32c_hw_raw(r, p, len, 1);
  return crc32c_hw_raw(r, p, len, 0);
}

/* The SCTP packet's CRC: bytes 0..15 as two 8-byte steps, the checksum field (8..11) as zero. */
CRC32C_HW_TARGET static uint32_t crc32c_hw_sctp(const uint8_t *pkt, size_t len) {
  uint64_t r = CRC32C_HW_U64(0xffffffffu, crc32c_le64(pkt));
  r = CRC32C_HW_U64(r, crc32c_le64(pkt + 8) & 0xffffffff00000000u);
  /* Two copies of the lanes, each with its join known at compile time. */
  if (crc32c_clmul_ok()) return ~crc32c_hw_raw((uint32_t)r, pkt + 16, len - 16, 1);
  return ~crc32c_hw_raw((uint32_t)r, pkt + 16, len - 16, 0);
}

static inline int crc32c_hw_ok(void) {
#if defined(__x86_64__)
  return __builtin_cpu_supports("sse4.2");
#else
  return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
#endif
}

/* The hardware path with the table joins, whatever the CPU (tests compare both joins). */
CRC32C_HW_TARGET static uint32_t crc32c_hw_tables(uint32_t r, const uint8_t *p, size_t len) {
  return crc32c_hw_raw(r, p, len, 0);
}

uint32_t csctp_crc32c_hw_table_join(uint32_t crc, const uint8_t *p, size_t len) {
  if (!crc32c_hw_ok()) return csctp_crc32c_sw(crc, p, len);
  return ~crc32c_hw_tables(~crc, p, len);
}

int csctp_crc32c_clmul_available(void) { return crc32c_hw_ok() && crc32c_clmul_ok() ? 1 : 0; }

int csctp_crc32c_hw_available(void) { return crc32c_hw_ok() ? 1 : 0; }

uint32_t csctp_crc32c_hw(uint32_t crc, const uint8_t *p, size_t len) {
  if (!crc32c_hw_ok()) return csctp_crc32c_sw(crc, p, len);
  return ~crc32c_hw_any(~crc, p, len);
}

#else /* no hardware path on this target */

int csctp_crc32c_hw_available(void) { return 0; }

int csctp_crc32c_clmul_available(void) { return 0; }

uint32_t csctp_crc32c_hw_table_join(uint32_t crc, const uint8_t *p, size_t len) {
  return csctp_crc32c_sw(crc, p, len);
}

uint32_t csctp_crc32c_hw(uint32_t crc, const uint8_t *p, size_t len) {
  return csctp_crc32c_sw(crc, p, len);
}

#endif

uint32_t csctp_crc32c_update(uint32_t crc, const uint8_t *p, size_t len) {
  return csctp_crc32c_hw(crc, p, len);
}

uint32_t csctp_crc32c(const uint8_t *p, size_t len) { return csctp_crc32c_update(0, p, len); }

/* csctp_crc32c_sctp without the hardware, or under 16 bytes (out of line: the common case then
 * has no stack frame to set up). */
__attribute__((noinline)) static uint32_t crc32c_sctp_any(const uint8_t *pkt, size_t len) {
  /* Bytes 0..15 as two 8-byte steps: the checksum field (8..11) taken as zero. */
  uint8_t head[16];
  size_t n = len < 16 ? len : 16;
  for (size_t i = 0; i < n; i++) head[i] = i >= 8 && i < 12 ? 0 : pkt[i];
#if CRC32C_HW
  if (crc32c_hw_ok()) {
    uint32_t r = crc32c_hw_any(0xffffffffu, head, n);
    return ~crc32c_hw_any(r, pkt + n, len - n);
  }
#endif
  uint32_t r = crc32c_sw_raw(0xffffffffu, head, n);
  return ~crc32c_sw_raw(r, pkt + n, len - n);
}

uint32_t csctp_crc32c_sctp(const uint8_t *pkt, size_t len) {
#if CRC32C_HW
  if (len >= 16 && crc32c_hw_ok()) return crc32c_hw_sctp(pkt, len);
#endif
  return crc32c_sctp_any(pkt, len);
}
