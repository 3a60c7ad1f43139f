// SPDX-License-Identifier: MIT
// The addon (csctp.node) and the one function that receives its events.
//
// Events that the C socket API raises from inside a call made from JavaScript (a write
// that flushes, an input that completes a handshake) are queued and delivered on the next
// tick, in order, so that a listener never runs in the middle of another call; events
// raised from Node's event loop are delivered at once (behind any still queued).
'use strict'
const path = require('path')

function load () {
  const tried = []
  const candidates = [
    process.env.CSCTP_NODE_ADDON && path.resolve(process.env.CSCTP_NODE_ADDON),
    path.join(__dirname, '..', 'build', 'Release', 'csctp.node'),
    path.join(__dirname, '..', 'build', 'Debug', 'csctp.node')
  ].filter(Boolean)
  for (const p of candidates) {
    try {
      return require(p)
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e
      tried.push(p)
    }
  }
  throw new Error('csctp: the addon csctp.node is not built (tried ' + tried.join(', ') + ')')
}

const native = load()

let depth = 0
const queue = []
let scheduled = false

function deliver (e) {
  const h = e[0].handler
  if (h) h(e[1], e[2], e[3], e[4], e[5])
}

function flush () {
  scheduled = false
  while (queue.length) {
    const e = queue.shift()
    if (queue.length && !scheduled) { // a listener that throws leaves the rest for later
      scheduled = true
      process.nextTick(flush)
    }
    deliver(e)
  }
}

native.init((token, type, a, b, c, d) => {
  const e = [token, type, a, b, c, d]
  if (depth > 0 || queue.length) {
    queue.push(e)
    if (!scheduled) {
      scheduled = true
      process.nextTick(flush)
    }
    return
  }
  deliver(e)
})

// Runs a native call that may raise events (they are queued, see above).
function call (fn, a, b, c, d, e) {
  depth++
  try {
    return fn(a, b, c, d, e)
  } finally {
    depth--
  }
}

// csctp_error values the JavaScript side tells apart.
const ERR = {
  INVALID_ARGUMENT: -201,
  INVALID_STATE: -202,
  STREAM_ID: -203,
  MSG_TOO_LARGE: -204,
  WOULD_BLOCK: -205,
  CLOSED: -207,
  ADDRESS_IN_USE: -210,
  PERMISSION: -211,
  SOCKET: -212,
  NOMEM: -501,
  TIMEOUT: -507,
  UNREACHABLE: -508,
  PEER_ABORT: -509,
  PROTOCOL: -510
}

// The code a net.Socket user expects for a csctp_error.
const CODES = {
  [ERR.INVALID_ARGUMENT]: 'EINVAL',
  [ERR.INVALID_STATE]: 'ERR_SOCKET_BAD_STATE',
  [ERR.STREAM_ID]: 'ERR_SCTP_STREAM_ID',
  [ERR.MSG_TOO_LARGE]: 'EMSGSIZE',
  [ERR.CLOSED]: 'EPIPE',
  [ERR.ADDRESS_IN_USE]: 'EADDRINUSE',
  [ERR.PERMISSION]: 'EPERM',
  [ERR.SOCKET]: 'ESOCKET',
  [ERR.NOMEM]: 'ENOMEM',
  [ERR.TIMEOUT]: 'ETIMEDOUT',
  [ERR.UNREACHABLE]: 'ECONNREFUSED',
  [ERR.PEER_ABORT]: 'ECONNRESET',
  [ERR.PROTOCOL]: 'EPROTO'
}

// An Error for a csctp_error: message, .code (as above), .errno (the csctp_error).
function makeError (errno, message) {
  const e = new Error(message || native.strerror(errno))
  e.errno = errno
  e.code = CODES[errno] || 'ESCTP'
  return e
}

// Gives an Error thrown by the addon its .code.
function fixError (e) {
  if (e && typeof e.errno === 'number' && !e.code) e.code = CODES[e.errno] || 'ESCTP'
  return e
}

// DEBUG=sctp:* (the original module's switch, through the debug package) turns on the C
// library's log of the sctp category (CSCTP_DEBUG, read when a socket or server is created).
function debugEnv () {
  const d = process.env.DEBUG
  if (!d || process.env.CSCTP_DEBUG) return
  if (d.split(/[\s,]+/).some(p => p === '*' || /^sctp(:|\*|$)/.test(p))) {
    process.env.CSCTP_DEBUG = 'sctp'
  }
}

module.exports = { native, call, ERR, makeError, fixError, debugEnv }
