// SPDX-License-Identifier: MIT
// csctp for Node.js: the API of the original `sctp` module (npm sctp 1.0.0) on the csctp C
// engine. `require('csctp')` where a program had `require('sctp')`.
'use strict'
const { native } = require('./native')
const { Socket } = require('./socket')
const { Server } = require('./server')
const PPID = require('./ppid')
const webrtc = require('./peerconnection')

function createServer (options, connectionListener) {
  return new Server(options, connectionListener)
}

function connect (options, connectListener) {
  const socket = new Socket(options)
  socket.connect(options, connectListener)
  return socket
}

// The original's net.sctp names (and RWND, its receive window) onto csctp_defaults().
const NAMES = ['rto_initial', 'rto_min', 'rto_max', 'sack_timeout', 'sack_freq', 'hb_interval',
  'max_burst', 'association_max_retrans', 'max_init_retransmits', 'valid_cookie_life',
  'sndbuf', 'rcvbuf']

function defaults (params) {
  params = params || {}
  const set = {}
  for (const n of NAMES) if (n in params) set[n] = params[n]
  if ('RWND' in params) set.rcvbuf = Math.max(1500, params.RWND)
  if (set.sack_timeout > 500) set.sack_timeout = 500 // RFC 9260 §6.2, as the original
  const cur = native.defaults(set)
  cur.RWND = cur.rcvbuf
  return cur
}

module.exports = {
  createServer,
  connect,
  createConnection: connect,
  Socket,
  Server,
  PPID,
  defaults,
  // Data channels to browsers and other WebRTC peers (lib/peerconnection.js).
  RTCPeerConnection: webrtc.RTCPeerConnection,
  RTCDataChannel: webrtc.RTCDataChannel,
  RTCSessionDescription: webrtc.RTCSessionDescription,
  RTCIceCandidate: webrtc.RTCIceCandidate,
  RTCPeerConnectionIceEvent: webrtc.RTCPeerConnectionIceEvent,
  RTCDataChannelEvent: webrtc.RTCDataChannelEvent
}
