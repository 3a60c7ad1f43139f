// SPDX-License-Identifier: MIT
// sctp.PPID: the IANA SCTP Payload Protocol Identifiers, under the original module's names,
// plus the names csctp's table has (csctp_ppid_name) for the ones it lacked; like the
// original, each number also maps back to its name (PPID[51] === 'WEBRTC_STRING').
'use strict'
const { native } = require('./native')

const PPID = {
  SCTP: 0,
  IUA: 1,
  M2UA: 2,
  M3UA: 3,
  SUA: 4,
  M2PA: 5,
  V5UA: 6,
  H248: 7,
  BICC: 8,
  TALI: 9,
  DUA: 10,
  ASAP: 11,
  ENRP: 12,
  H323: 13,
  QIPC: 14,
  SIMCO: 15,
  DDP_CHUNK: 16,
  DDP_CONTROL: 17,
  S1AP: 18,
  RUA: 19,
  HNBAP: 20,
  FORCES_HP: 21,
  FORCES_MP: 22,
  FORCES_LP: 23,
  SBCAP: 24,
  NBAP: 25,
  X2AP: 27,
  IRCP: 28,
  LCSAP: 29,
  MPICH2: 30,
  SABP: 31,
  FGP: 32,
  PPP: 33,
  CALCAPP: 34,
  SSP: 35,
  NPMP_CONTROL: 36,
  NPMP_DATA: 37,
  ECHO: 38,
  DISCARD: 39,
  DAYTIME: 40,
  CHARGEN: 41,
  RNA: 42,
  M2AP: 43,
  M3AP: 44,
  SSH: 45,
  DIAMETER: 46,
  DIAMETER_DTLS: 47,
  BER: 48,
  WEBRTC_DCEP: 50,
  WEBRTC_STRING: 51,
  WEBRTC_BINARY: 53,
  PUA: 55,
  WEBRTC_STRING_EMPTY: 56,
  WEBRTC_BINARY_EMPTY: 57,
  XWAP: 58,
  XWCP: 59,
  NGAP: 60,
  XNAP: 61
}

for (let n = 0; n < 256; n++) {
  const name = native.ppidName(n)
  if (name && !(name in PPID)) PPID[name] = n
}
for (const name of Object.keys(PPID)) {
  if (!(PPID[name] in PPID)) PPID[PPID[name]] = name
}

module.exports = PPID
