// SPDX-License-Identifier: MIT
// sctp.Socket: one SCTP association as a stream.Duplex with net.Socket's events, over the C
// socket API (include/csctp/socket.h) through the addon. The original module's names and
// options: connect({port, host, localAddress, localPort, MIS, OS, passive, ppid,
// udpTransport, udpPeer}), createStream(id, ppid), buffer.ppid per write, 'stream' events,
// data.ppid on what arrives. See README.md for what is deliberately different.
'use strict'
const { Duplex, Readable, Writable } = require('stream')
const { native, call, ERR, makeError, fixError, debugEnv } = require('./native')
const udp = require('./udp')

const kToken = Symbol('token')

// Writes on one stream with a PPID (socket.createStream).
class SCTPStreamWritable extends Writable {
  constructor (socket, streamId, ppid) {
    super()
    this.socket = socket
    this.stream_id = streamId || 0
    this.ppid = ppid
    this.bytesWritten = 0
  }

  _write (chunk, encoding, callback) {
    this.bytesWritten += chunk.length
    const s = this.socket
    const ppid = Number.isInteger(this.ppid) ? this.ppid : s.ppid
    s._send(chunk, this.stream_id, ppid, s.unordered, callback)
  }
}

// What arrives on one stream (the 'stream' event); reading it slowly pauses the socket.
class SCTPStreamReadable extends Readable {
  constructor (socket, streamId) {
    super()
    this.socket = socket
    this.stream_id = streamId
  }

  _read () {
    this.socket._wantMore()
  }
}

function randomPort () {
  return 10000 + Math.floor(Math.random() * 50000)
}

// "IP sctp PORT" or "IP:UDPPORT sctp PORT" (IPv6 in brackets) from csctp_socket_remote.
function parseRemote (s) {
  const m = /^\[?([^\]\s]*?)\]?(?::(\d+))? sctp (\d+)$/.exec(s || '')
  if (!m) return {}
  return { address: m[1], udpPort: m[2] ? Number(m[2]) : undefined, port: Number(m[3]) }
}

class Socket extends Duplex {
  constructor (options) {
    options = options || {}
    // 'close' is emitted by _destroy with net.Socket's hadError argument.
    super(Object.assign({}, options, { allowHalfOpen: false, objectMode: false, emitClose: false }))
    this.ppid = Number.isInteger(options.ppid) ? options.ppid : 0
    this.stream_id = options.stream_id || 0
    this.unordered = !!options.unordered
    this.no_bundle = !!options.no_bundle // accepted; the engine bundles by its own rules
    this[kToken] = null
    this.connecting = false
    this.bytesRead = 0
    this.bytesWritten = 0
    this._connected = false
    this._pending = [] // [buf, stream, ppid, unordered, callback] not yet given to C
    this._held = [] // callbacks of writes past the high mark: called at 'drain'
    this._highMark = (native.defaults().sndbuf / 2) | 0
    this._nativePaused = false
    this._error = null
    this._finalCb = null
    this._streamsReadable = new Map()
    this._streamsWritable = new Map()
    this._timeoutMs = 0
    this._timer = null
    this._udp = null // {transport, port}
  }

  get _token () { return this[kToken] }

  // ---- connecting

  connect (options, connectListener) {
    if (typeof options !== 'object' || options === null) {
      // connect(port[, host][, listener])
      const args = [...arguments]
      options = { port: args[0] }
      connectListener = undefined
      for (const a of args.slice(1)) {
        if (typeof a === 'string') options.host = a
        if (typeof a === 'function') connectListener = a
      }
    }
    if (this[kToken] || this.connecting || this._connected) return this
    if (typeof connectListener === 'function') this.once('connect', connectListener)
    const port = Number(options.port)
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new RangeError('port should be > 0 and < 65536')
    }
    this.passive = !!options.passive
    this.remotePort = port
    this.localPort = Number(options.localPort) || randomPort()
    const o = {
      port,
      localPort: this.localPort,
      MIS: options.MIS,
      OS: options.OS,
      passive: this.passive,
      ppid: this.ppid,
      mtu: options.mtu,
      sndbuf: options.sndbuf,
      rcvbuf: options.rcvbuf,
      connectTimeout: options.connectTimeout
    }
    if (options.sndbuf) this._highMark = (options.sndbuf / 2) | 0
    let output = null
    if (options.udpTransport) {
      // The application's UDP (or DTLS) socket: packets go through it, from JavaScript.
      const t = udp.transportOf(options.udpTransport)
      const peer = udp.peerOf(options.udpTransport, options.udpPeer)
      t.add(this.localPort, this)
      this._udp = { transport: t, port: this.localPort }
      output = udp.sender(options.udpTransport, peer)
      if (peer) {
        o.udpPeerAddress = peer.address
        o.udpPeerPort = peer.port
      }
      this.remoteAddress = peer ? peer.address : options.host
      this.localAddress = undefined
    } else if (options.udpPeer || options.udpLocalPort !== undefined) {
      // csctp's own UDP socket (RFC 6951): the packets never enter JavaScript.
      const peer = options.udpPeer || {}
      o.udp = true
      o.host = peer.address || peer.host || options.host || '127.0.0.1'
      o.udpPeerPort = peer.port || 9899
      o.udpLocalPort = options.udpLocalPort || 0
      o.localAddress = options.localAddress
      this.remoteAddress = o.host
      this.localAddress = options.localAddress || '0.0.0.0'
    } else {
      // Raw IP, protocol 132 (root or CAP_NET_RAW).
      o.host = options.host || options.address || options.remoteAddress || '127.0.0.1'
      o.localAddress = options.localAddress
      this.remoteAddress = o.host
      this.localAddress = options.localAddress || '0.0.0.0'
    }
    this.remoteFamily = this.localFamily = /:/.test(o.host || '') ? 'IPv6' : 'IPv4'
    debugEnv()
    this.connecting = true
    let token
    try {
      token = call(native.connect, o, output || undefined)
    } catch (e) {
      this._unregisterUdp()
      this.connecting = false
      const err = fixError(e)
      if (err instanceof TypeError || err instanceof RangeError) throw err
      process.nextTick(() => this.destroy(err))
      return this
    }
    this._attach(token)
    return this
  }

  _attach (token) {
    this[kToken] = token
    token.handler = (type, a, b, c, d) => this._onNative(type, a, b, c, d)
  }

  // A socket a server accepted (lib/server.js).
  static _accepted (token, OS, MIS, remote, server, options) {
    const s = new Socket({ ppid: options.ppid })
    const r = parseRemote(remote)
    s.remoteAddress = r.address
    s.remotePort = r.port
    s.localAddress = server.localAddress
    s.localPort = server.localPort
    s.remoteFamily = s.localFamily = /:/.test(r.address || '') ? 'IPv6' : 'IPv4'
    s.OS = OS
    s.MIS = MIS
    s._connected = true
    s._attach(token)
    return s
  }

  // ---- events from C

  _onNative (type, a, b, c, d) {
    switch (type) {
      case 'data': return this._onData(a, b, c, d)
      case 'connect': {
        this._connected = true
        this.connecting = false
        this.OS = a
        this.MIS = b
        const info = native.info(this[kToken])
        if (info) {
          const r = parseRemote(info.remote)
          if (!this._udp) this.remoteAddress = r.address
          this.remotePort = r.port
        }
        this._flushPending()
        this.emit('connect')
        this.emit('ready')
        return
      }
      case 'drain': {
        const held = this._held
        this._held = []
        for (const cb of held) cb()
        this._flushPending()
        return
      }
      case 'end':
        this._endReadables()
        return
      case 'error':
        this._error = makeError(a, b)
        return
      case 'close': {
        this[kToken] = null
        this._connected = false
        this.connecting = false
        this._unregisterUdp()
        const err = this._error
        if (err) {
          this.destroy(err)
          return
        }
        this._endReadables()
        const cbs = this._held.concat(this._pending.map(p => p[4]))
        this._held = []
        this._pending = []
        for (const cb of cbs) cb(makeError(ERR.CLOSED, 'the association is closed'))
        if (this._finalCb) {
          const cb = this._finalCb
          this._finalCb = null
          cb()
        }
        if (a) this.destroy() // aborted without an error event (the server closed)
      }
    }
  }

  _onData (buf, streamId, ppid, unordered) {
    buf.ppid = ppid
    buf.stream_id = streamId
    if (unordered) buf.unordered = true
    this.bytesRead += buf.length
    if (this._timer) this._timer.refresh()
    let more = true
    if (this.listenerCount('stream') > 0 || this._streamsReadable.has(streamId)) {
      let rs = this._streamsReadable.get(streamId)
      if (!rs) {
        rs = new SCTPStreamReadable(this, streamId)
        this._streamsReadable.set(streamId, rs)
        this.emit('stream', rs, streamId)
      }
      more = rs.push(buf)
      // Nobody reads the socket itself (only its streams): do not keep a copy there.
      if (this.readableFlowing === null && this.listenerCount('readable') === 0) {
        if (!more) this._pauseNative()
        return
      }
    }
    if (!this.push(buf) || !more) this._pauseNative()
  }

  // Receive back-pressure reaches the association's window (csctp_socket_pause).
  _pauseNative () {
    if (this._nativePaused || !this[kToken]) return
    this._nativePaused = true
    call(native.pause, this[kToken])
  }

  // A reader asks for more (_read, resume()): a push past a reader's high-water mark pauses
  // the association again.
  _wantMore () {
    if (!this._nativePaused) return
    this._nativePaused = false
    if (this[kToken]) call(native.resume, this[kToken])
  }

  _read () {
    this._wantMore()
  }

  _endReadables () {
    if (this._ended) return
    this._ended = true
    for (const rs of this._streamsReadable.values()) rs.push(null)
    this.push(null)
    // Nobody reads the socket itself: let 'end' (and so 'close') come all the same.
    if (this.readableFlowing === null && this.readableLength === 0) this.read(0)
  }

  _unregisterUdp () {
    if (!this._udp) return
    this._udp.transport.remove(this._udp.port, this)
    this._udp = null
  }

  // ---- writing

  createStream (streamId, ppid) {
    streamId = streamId || 0
    if (!Number.isInteger(streamId) || streamId < 0 || streamId > 65535 ||
        (this._connected && streamId >= this.OS)) {
      throw new Error('wrong stream id, check local OS and peer MIS')
    }
    let w = this._streamsWritable.get(streamId)
    if (!w) {
      w = new SCTPStreamWritable(this, streamId, ppid)
      this._streamsWritable.set(streamId, w)
    }
    return w
  }

  _write (chunk, encoding, callback) {
    this._send(chunk, this.stream_id, this.ppid, this.unordered, callback)
  }

  _send (buf, stream, ppid, unordered, callback) {
    if (Number.isInteger(buf.ppid)) ppid = buf.ppid
    if (typeof buf.unordered === 'boolean') unordered = buf.unordered
    if (this._timer) this._timer.refresh()
    if (!this._connected || this._pending.length) {
      if (!this[kToken] && !this.connecting) {
        return callback(makeError(ERR.CLOSED, 'the socket is not connected'))
      }
      this._pending.push([buf, stream, ppid, unordered, callback])
      return
    }
    this._give(buf, stream, ppid, unordered, callback)
  }

  // Gives one message to C; false when C refused it for now (send buffer full).
  _give (buf, stream, ppid, unordered, callback) {
    if (!buf.length) {
      process.nextTick(callback) // SCTP has no empty messages
      return true
    }
    const r = this[kToken] ? call(native.write, this[kToken], buf, stream, ppid, unordered)
      : ERR.CLOSED
    if (r === ERR.WOULD_BLOCK) {
      this._pending.unshift([buf, stream, ppid, unordered, callback])
      return false
    }
    if (r < 0) {
      const msg = r === ERR.STREAM_ID ? 'wrong stream id, check local OS and peer MIS' : undefined
      callback(makeError(r, msg))
      return true
    }
    this.bytesWritten += buf.length
    // Completed on the next tick at the earliest (as a net.Socket write), so that write()
    // returns false once a turn's writes pass the high-water mark; past the send buffer's
    // high mark, at C's drain.
    if (r > this._highMark) this._held.push(callback)
    else process.nextTick(callback)
    return true
  }

  _flushPending () {
    while (this._connected && this._pending.length) {
      const [buf, stream, ppid, unordered, cb] = this._pending.shift()
      if (!this._give(buf, stream, ppid, unordered, cb)) return
    }
  }

  _final (callback) {
    if (!this[kToken]) return callback()
    if (!this._connected) { // still connecting: end once connected
      this.once('connect', () => this._final(callback))
      return
    }
    this._finalCb = callback // called at the graceful close (SHUTDOWN COMPLETE)
    call(native.end, this[kToken])
  }

  _destroy (err, callback) {
    if (this._timer) clearTimeout(this._timer)
    this._timer = null
    if (this[kToken]) {
      const t = this[kToken]
      this[kToken] = null
      call(native.destroy, t)
    }
    this._connected = false
    this.connecting = false
    this._unregisterUdp()
    for (const rs of this._streamsReadable.values()) rs.destroy()
    callback(err) // schedules 'error' first
    process.nextTick(() => this.emit('close', !!err))
  }

  // ---- net.Socket's other methods

  pause () {
    super.pause()
    this._pauseNative()
    return this
  }

  resume () {
    super.resume()
    this._wantMore()
    return this
  }

  setTimeout (ms, callback) {
    this._timeoutMs = ms
    if (this._timer) clearTimeout(this._timer)
    this._timer = null
    if (ms > 0) {
      this._timer = setTimeout(() => this.emit('timeout'), ms)
      this._timer.unref()
    }
    if (typeof callback === 'function') this.once('timeout', callback)
    return this
  }

  setNoDelay () { return this }
  setKeepAlive () { return this }
  ref () { return this }
  unref () { return this }

  address () {
    return { port: this.localPort, address: this.localAddress, family: this.localFamily || 'IPv4' }
  }

  get bufferSize () {
    const info = this[kToken] && native.info(this[kToken])
    return this.writableLength + (info ? info.buffered : 0)
  }

  get readyState () {
    if (this.connecting) return 'opening'
    if (this._connected) return 'open'
    return 'closed'
  }
}

module.exports = { Socket, SCTPStreamWritable, SCTPStreamReadable, parseRemote, randomPort }
