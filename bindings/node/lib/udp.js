// SPDX-License-Identifier: MIT
// The original module's `udpTransport`: SCTP packets over a UDP socket the application
// created (a dgram.Socket, or anything with its send() and 'message' events, such as a DTLS
// socket). Like the original, several SCTP sockets may share one such transport: packets
// are routed by their SCTP destination port. The packets themselves are handled by the C
// engine (csctp_socket_connect_transport / csctp_socket_input), which checks them as any
// packet from the network.
'use strict'
const dgram = require('dgram')
const { native, call } = require('./native')

const transports = new WeakMap()

class UdpTransport {
  constructor (udp) {
    this.udp = udp
    this.sockets = new Map() // local SCTP port -> Socket
    this.onMessage = buf => {
      if (!Buffer.isBuffer(buf) || buf.length < 12) return
      const s = this.sockets.get(buf.readUInt16BE(2))
      if (s && s._token) call(native.input, s._token, buf)
    }
    this.onClose = () => {
      for (const s of [...this.sockets.values()]) s.destroy()
    }
    udp.on('message', this.onMessage)
    udp.on('close', this.onClose)
  }

  add (port, socket) {
    if (this.sockets.has(port)) {
      const e = new Error('udpTransport: SCTP port ' + port + ' is in use on this transport')
      e.code = 'EADDRINUSE'
      throw e
    }
    this.sockets.set(port, socket)
  }

  remove (port, socket) {
    if (this.sockets.get(port) !== socket) return
    this.sockets.delete(port)
    if (this.sockets.size === 0) {
      this.udp.removeListener('message', this.onMessage)
      this.udp.removeListener('close', this.onClose)
      transports.delete(this.udp)
    }
  }
}

function transportOf (udp) {
  if (!udp || typeof udp.send !== 'function' || typeof udp.on !== 'function') {
    throw new TypeError('udpTransport: a dgram socket (or an object with its send() and events)')
  }
  let t = transports.get(udp)
  if (!t) {
    t = new UdpTransport(udp)
    transports.set(udp, t)
  }
  return t
}

// The function that sends one SCTP packet over `udp` to `peer` ({address, port}), or on a
// connected dgram socket (peer null) to whom it is connected.
function sender (udp, peer) {
  if (peer) {
    return buf => {
      try { udp.send(buf, peer.port, peer.address) } catch (e) { /* closed: SCTP retransmits */ }
    }
  }
  return buf => {
    try { udp.send(buf) } catch (e) { /* closed */ }
  }
}

// The UDP peer: udpPeer ({address or host, port}), else the peer of a connected dgram socket
// (null: send without an address), else an error.
function peerOf (udp, udpPeer) {
  if (udpPeer && typeof udpPeer === 'object') {
    const address = udpPeer.address || udpPeer.host
    const port = Number(udpPeer.port)
    if (typeof address !== 'string' || !(port > 0 && port < 65536)) {
      throw new TypeError('udpPeer: {address (or host), port}')
    }
    return { address, port }
  }
  if (udp instanceof dgram.Socket) {
    try {
      udp.remoteAddress()
      return null
    } catch (e) {}
  }
  if (!(udp instanceof dgram.Socket)) return null // a DTLS socket: it knows its peer
  throw new TypeError('udpTransport: please provide the remote UDP peer (udpPeer) or connect the socket')
}

module.exports = { transportOf, sender, peerOf }
