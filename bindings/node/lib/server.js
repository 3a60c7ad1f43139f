// SPDX-License-Identifier: MIT
// sctp.Server: createServer / listen / 'connection' over csctp_server (raw IP, or csctp's
// own UDP socket with the `udpPort` option of listen, which the original did not have).
'use strict'
const EventEmitter = require('events')
const { native, call, makeError, fixError, debugEnv } = require('./native')
const { Socket, randomPort } = require('./socket')

class Server extends EventEmitter {
  constructor (options, connectionListener) {
    super()
    if (typeof options === 'function') {
      connectionListener = options
      options = {}
    }
    this._options = Object.assign({}, options || {})
    this.ppid = this._options.ppid
    if (typeof connectionListener === 'function') this.on('connection', connectionListener)
    this.listening = false
    this._token = null
    this._closing = false
    this._sockets = new Set()
  }

  // listen(port[, host][, backlog][, callback]) or listen(options[, callback]):
  // options {port, host, MIS, OS, udpPort (csctp's UDP socket on that port; 0: any)}.
  listen (port, host, backlog, callback) {
    let options
    if (typeof port === 'object' && port !== null) {
      options = port
      callback = [host, backlog, callback].find(a => typeof a === 'function')
    } else {
      const args = [...arguments]
      callback = args.find(a => typeof a === 'function')
      options = { port, host: typeof host === 'string' ? host : undefined }
    }
    if (this.listening) {
      const e = new Error('Listen method has been called more than once without closing.')
      e.code = 'ERR_SERVER_ALREADY_LISTEN'
      throw e
    }
    if (typeof callback === 'function') this.once('listening', callback)
    if (options.udpTransport) {
      throw new TypeError('listen: udpTransport is for connect({passive: true}) (as in the ' +
        'original module); a server takes udpPort for csctp\'s own UDP socket')
    }
    const o = {
      port: 1, // unused by listen
      localPort: Number(options.port) || randomPort(),
      localAddress: options.host || options.address,
      MIS: options.MIS || this._options.MIS,
      OS: options.OS || this._options.OS,
      mtu: options.mtu,
      sndbuf: options.sndbuf,
      rcvbuf: options.rcvbuf
    }
    if (options.udpPort !== undefined) {
      o.udp = true
      o.udpLocalPort = Number(options.udpPort)
    }
    debugEnv()
    this._token = native.serverNew()
    this._token.handler = (type, a, b, c, d) => this._onNative(type, a, b, c, d)
    let udpPort
    try {
      udpPort = call(native.listen, this._token, o)
    } catch (e) {
      this._token = null
      const err = fixError(e)
      if (err instanceof TypeError || err instanceof RangeError) throw err
      process.nextTick(() => this.emit('error', err))
      return this
    }
    this.localPort = o.localPort
    this.localAddress = o.localAddress || '0.0.0.0'
    this.udpPort = o.udp ? udpPort : undefined
    this.listening = true
    this._closing = false
    process.nextTick(() => this.emit('listening'))
    return this
  }

  _onNative (type, a, b, c, d) {
    if (type === 'error') {
      this.emit('error', makeError(a, b))
      return
    }
    if (type !== 'connection') return
    const socket = Socket._accepted(a, b, c, d, this, this._options)
    if (this._closing) {
      socket.destroy()
      return
    }
    this._sockets.add(socket)
    socket.once('close', () => {
      this._sockets.delete(socket)
      if (this._closing) this._maybeClosed()
    })
    this.emit('connection', socket)
  }

  address () {
    if (!this.listening) return null
    const a = { port: this.localPort, address: this.localAddress, family: 'IPv4' }
    if (this.udpPort !== undefined) a.udpPort = this.udpPort
    return a
  }

  getConnections (callback) {
    process.nextTick(callback, null, this._sockets.size)
    return this
  }

  // Stops accepting; 'close' once the open connections have closed (net.Server.close).
  close (callback) {
    if (typeof callback === 'function') {
      if (!this.listening) {
        const e = new Error('Server is not running.')
        e.code = 'ERR_SERVER_NOT_RUNNING'
        process.nextTick(callback, e)
        return this
      }
      this.once('close', callback)
    }
    if (!this.listening || this._closing) return this
    this._closing = true
    this._maybeClosed()
    return this
  }

  _maybeClosed () {
    if (this._sockets.size || !this._token) return
    const t = this._token
    this._token = null
    this.listening = false
    call(native.serverClose, t)
    process.nextTick(() => this.emit('close'))
  }

  ref () { return this }
  unref () { return this }
}

module.exports = { Server }
