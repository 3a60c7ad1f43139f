// SPDX-License-Identifier: MIT
// RTCPeerConnection and RTCDataChannel with the W3C names, for data channels only, over
// csctp's WebRTC peer (include/csctp/peer.h) through the addon (src/pc.c): ICE (libnice),
// DTLS, SCTP and DCEP in C, on the addon's GLib context inside Node's event loop. Events
// are EventTarget events (addEventListener, and the on<event> properties).
//
// What differs from a browser (see README.md): no media; one offer and one answer per
// connection (no renegotiation, no rollback); setLocalDescription() takes the description
// createOffer()/createAnswer() made (edited SDP is not applied); connectionState is never
// "disconnected" (a lost ICE consent is "failed"), and a connection the remote side closes
// becomes "closed"; binaryType is "arraybuffer" (default), "nodebuffer" or "blob".
'use strict'
const { native, call } = require('./native')

const kToken = Symbol('token')
const kPc = Symbol('pc')

// csctp_error values this file tells apart (include/csctp/common.h).
const E = {
  INVALID_ARGUMENT: -201,
  INVALID_STATE: -202,
  MSG_TOO_LARGE: -204,
  WOULD_BLOCK: -205,
  CLOSED: -207,
  MALFORMED: -209
}

function domError (e, name) {
  const errno = e && typeof e.errno === 'number' ? e.errno : undefined
  if (!name) {
    name = errno === E.INVALID_STATE || errno === E.CLOSED
      ? 'InvalidStateError'
      : errno === E.MALFORMED || errno === E.INVALID_ARGUMENT ? 'OperationError' : 'OperationError'
  }
  const d = new DOMException(e && e.message ? e.message : String(e), name)
  if (errno !== undefined) Object.defineProperty(d, 'errno', { value: errno, enumerable: true })
  return d
}

// on<type> properties over addEventListener, as a browser's event handler attributes.
function eventHandlers (Class, types) {
  for (const type of types) {
    Object.defineProperty(Class.prototype, 'on' + type, {
      configurable: true,
      enumerable: true,
      get () { return (this._on && this._on[type] && this._on[type].fn) || null },
      set (fn) {
        if (!this._on) this._on = Object.create(null)
        const old = this._on[type]
        if (old) this.removeEventListener(type, old.wrapped)
        delete this._on[type]
        if (typeof fn === 'function') {
          const wrapped = e => fn.call(this, e)
          this._on[type] = { fn, wrapped }
          this.addEventListener(type, wrapped)
        }
      }
    })
  }
}

class RTCSessionDescription {
  constructor (init) {
    this.type = init && init.type
    this.sdp = (init && init.sdp) || ''
  }

  toJSON () { return { type: this.type, sdp: this.sdp } }
}

class RTCIceCandidate {
  constructor (init) {
    init = init || {}
    this.candidate = init.candidate || ''
    this.sdpMid = init.sdpMid === undefined ? null : init.sdpMid
    this.sdpMLineIndex = init.sdpMLineIndex === undefined ? null : init.sdpMLineIndex
    this.usernameFragment = init.usernameFragment || null
  }

  toJSON () {
    return { candidate: this.candidate, sdpMid: this.sdpMid, sdpMLineIndex: this.sdpMLineIndex, usernameFragment: this.usernameFragment }
  }
}

class RTCPeerConnectionIceEvent extends Event {
  constructor (type, init) {
    super(type, init)
    this.candidate = (init && init.candidate) || null
  }
}

class RTCDataChannelEvent extends Event {
  constructor (type, init) {
    super(type, init)
    this.channel = init && init.channel
  }
}

const MessageEventClass = typeof MessageEvent === 'function'
  ? MessageEvent
  : class MessageEvent extends Event {
    constructor (type, init) {
      super(type, init)
      this.data = init && init.data
    }
  }

// RTCPriorityType <-> DCEP priority (RFC 8832 §5.1; what browsers send).
const PRIORITY = { 'very-low': 128, low: 256, medium: 512, high: 1024 }
function priorityName (n) {
  return n <= 128 ? 'very-low' : n <= 256 ? 'low' : n <= 512 ? 'medium' : 'high'
}

class RTCDataChannel extends EventTarget {
  constructor (pc, handle, info, readyState) {
    super()
    this[kPc] = pc
    this._h = handle
    this._info = info || {}
    this._readyState = readyState
    this._binaryType = 'arraybuffer'
    this._low = 0
    this._lastBuffered = 0
  }

  get label () { return this._info.label || '' }
  get protocol () { return this._info.protocol || '' }
  get ordered () { return this._info.ordered !== false }
  get maxRetransmits () { return this._info.maxRetransmits == null ? null : this._info.maxRetransmits }
  get maxPacketLifeTime () { return this._info.maxPacketLifeTime == null ? null : this._info.maxPacketLifeTime }
  get negotiated () { return !!this._info.negotiated }
  get priority () { return priorityName(this._info.priority || 256) }
  get readyState () { return this._readyState }

  get id () {
    if (this._info.id == null && this._readyState !== 'closed') this._refresh()
    return this._info.id == null ? null : this._info.id
  }

  get bufferedAmount () {
    if (this._readyState === 'closed') return this._lastBuffered
    const n = native.pcBuffered(this[kPc][kToken], this._h)
    this._lastBuffered = n
    return n
  }

  get bufferedAmountLowThreshold () { return this._low }
  set bufferedAmountLowThreshold (v) {
    v = Number(v)
    if (!(v >= 0)) v = 0
    this._low = Math.min(Math.floor(v), 0xffffffff)
    native.pcSetLow(this[kPc][kToken], this._h, this._low)
  }

  get binaryType () { return this._binaryType }
  set binaryType (v) {
    if (v !== 'arraybuffer' && v !== 'nodebuffer' && v !== 'blob') {
      throw new DOMException('binaryType: "arraybuffer", "nodebuffer" or "blob"', 'SyntaxError')
    }
    this._binaryType = v
  }

  _refresh () {
    const info = native.pcChannelInfo(this[kPc][kToken], this._h)
    if (info) this._info = info
  }

  // send(string | Buffer | TypedArray | DataView | ArrayBuffer)
  send (data) {
    if (this._readyState !== 'open') {
      throw new DOMException('RTCDataChannel.readyState is not "open"', 'InvalidStateError')
    }
    let buf
    let text = false
    if (typeof data === 'string') {
      buf = Buffer.from(data, 'utf8')
      text = true
    } else if (ArrayBuffer.isView(data)) {
      buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    } else if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && data instanceof SharedArrayBuffer)) {
      buf = Buffer.from(data)
    } else {
      throw new TypeError('RTCDataChannel.send: a string, an ArrayBuffer or an ArrayBufferView')
    }
    const rv = call(native.pcSend, this[kPc][kToken], this._h, text, buf)
    if (rv === 0) return
    const msg = native.strerror(rv)
    if (rv === E.MSG_TOO_LARGE) throw new TypeError('RTCDataChannel.send: ' + msg + ' (' + buf.length + ' bytes)')
    if (rv === E.WOULD_BLOCK) throw new DOMException('RTCDataChannel.send: the send queue is full', 'OperationError')
    if (rv === E.CLOSED || rv === E.INVALID_STATE || rv === E.INVALID_ARGUMENT) {
      throw new DOMException('RTCDataChannel.send: ' + msg, 'InvalidStateError')
    }
    throw new DOMException('RTCDataChannel.send: ' + msg, 'OperationError')
  }

  close () {
    if (this._readyState === 'closing' || this._readyState === 'closed') return
    this._readyState = 'closing'
    const rv = call(native.pcCloseChannel, this[kPc][kToken], this._h)
    if (rv !== 0) process.nextTick(() => this._closed()) // the peer is gone, or never opened it
  }

  // ---- from the peer connection

  _opened (info) {
    if (info) this._info = info
    if (this._readyState !== 'connecting') return
    this._readyState = 'open'
    this.dispatchEvent(new Event('open'))
  }

  _message (data, isText) {
    if (this._readyState === 'closed') return
    if (!isText) {
      if (this._binaryType === 'arraybuffer') {
        // The addon's Buffer owns its whole ArrayBuffer (napi_create_buffer_copy).
        data = data.byteOffset === 0 && data.buffer.byteLength === data.length
          ? data.buffer
          : data.buffer.slice(data.byteOffset, data.byteOffset + data.length)
      } else if (this._binaryType === 'blob') {
        data = new Blob([data])
      }
    }
    this.dispatchEvent(new MessageEventClass('message', { data }))
  }

  _closing () {
    if (this._readyState === 'closed') return
    if (this._readyState !== 'closing') {
      this._readyState = 'closing'
      this.dispatchEvent(new Event('closing'))
    }
  }

  _closed (quiet) {
    if (this._readyState === 'closed') return
    try { this._lastBuffered = this.bufferedAmount } catch (e) {}
    this._readyState = 'closed'
    this[kPc]._channels.delete(this._h)
    if (!quiet) this.dispatchEvent(new Event('close'))
  }

  _error (reason, errno) {
    const e = new DOMException('RTCDataChannel: ' + native.strerror(errno < 0 ? errno : -202) + ' (reason ' + reason + ')', 'OperationError')
    e.errorDetail = 'data-channel-failure'
    const ev = new Event('error')
    ev.error = e
    this.dispatchEvent(ev)
  }
}
eventHandlers(RTCDataChannel, ['open', 'message', 'bufferedamountlow', 'error', 'closing', 'close'])

// csctp's own RTCConfiguration members (besides iceServers).
const EXTRA = ['localAddresses', 'includeLoopback', 'offerer', 'portMin', 'portMax',
  'maxMessageSize', 'iceConnectTimeout', 'snap', 'interleaving']

// The error of an addon built without the peer layer: what its build did not find (npm
// install: binding.gyp's native.pcMissing), and how to get it.
function notBuilt () {
  const why = native.pcMissing
    ? 'npm install did not find ' + native.pcMissing
    : 'it was built without the WebRTC peer layer (libnice, OpenSSL)'
  const e = new Error('csctp: RTCPeerConnection is not in this build of the addon: ' + why +
    '; install that, then `npm rebuild csctp`')
  e.code = 'ERR_CSCTP_NO_PEER'
  return e
}

class RTCPeerConnection extends EventTarget {
  constructor (config) {
    super()
    config = config || {}
    if (typeof native.pcNew !== 'function') throw notBuilt()
    const opts = {}
    if (Array.isArray(config.iceServers)) {
      opts.iceServers = config.iceServers.map(s => ({ urls: s.urls, username: s.username, credential: s.credential }))
    }
    for (const k of EXTRA) if (config[k] !== undefined) opts[k] = config[k]
    this._channels = new Map() // handle -> RTCDataChannel
    this._connectionState = 'new'
    this._iceConnectionState = 'new'
    this._iceGatheringState = 'new'
    this._signalingState = 'stable'
    this._local = null // {type}: the SDP is made again as candidates come
    this._localSdp = ''
    this._localDirty = false
    this._remote = null
    this._gathered = [] // candidates ('' = the end) until setLocalDescription
    this._trickling = false
    this._closedByUser = false
    const token = call(native.pcNew, opts)
    token.handler = (type, a, b, c) => this._event(type, a, b, c)
    this[kToken] = token
  }

  get connectionState () { return this._connectionState }
  get iceConnectionState () { return this._iceConnectionState }
  get iceGatheringState () { return this._iceGatheringState }
  get signalingState () { return this._signalingState }
  get remoteDescription () { return this._remote }
  get currentRemoteDescription () { return this._remote }
  get currentLocalDescription () { return this.localDescription }
  get canTrickleIceCandidates () { return this._remote ? true : null }

  get localDescription () {
    if (!this._local) return null
    if (this._localDirty && !this._closedByUser) {
      this._localDirty = false
      try {
        const fn = this._local.type === 'offer' ? native.pcCreateOffer : native.pcCreateAnswer
        this._localSdp = call(fn, this[kToken])
      } catch (e) {} // connected: the answer sent stays the answer
    }
    return new RTCSessionDescription({ type: this._local.type, sdp: this._localSdp })
  }

  get sctp () {
    const s = !this._closedByUser && native.pcStates(this[kToken])
    if (!this._remote) return null
    return { maxMessageSize: s && s.remoteMaxMessageSize ? s.remoteMaxMessageSize : 65536, state: this._connectionState === 'connected' ? 'connected' : this._connectionState === 'closed' ? 'closed' : 'connecting' }
  }

  _checkOpen () {
    if (this._closedByUser) throw new DOMException('the RTCPeerConnection is closed', 'InvalidStateError')
  }

  createDataChannel (label, init) {
    this._checkOpen()
    init = init || {}
    label = String(label === undefined ? '' : label)
    const protocol = String(init.protocol === undefined ? '' : init.protocol)
    if (Buffer.byteLength(label) > 65535) throw new TypeError('createDataChannel: label over 65535 bytes')
    if (Buffer.byteLength(protocol) > 65535) throw new TypeError('createDataChannel: protocol over 65535 bytes')
    const o = { protocol, ordered: init.ordered !== false, negotiated: !!init.negotiated }
    if (init.maxRetransmits != null && init.maxPacketLifeTime != null) {
      throw new TypeError('createDataChannel: maxRetransmits and maxPacketLifeTime are exclusive')
    }
    const clamp = (v, name) => {
      v = Number(v)
      if (!Number.isFinite(v) || v < 0) throw new TypeError('createDataChannel: ' + name + ' must be a number >= 0')
      return Math.min(Math.floor(v), 65535)
    }
    if (init.maxRetransmits != null) o.maxRetransmits = clamp(init.maxRetransmits, 'maxRetransmits')
    if (init.maxPacketLifeTime != null) o.maxPacketLifeTime = clamp(init.maxPacketLifeTime, 'maxPacketLifeTime')
    if (o.negotiated) {
      if (init.id == null) throw new TypeError('createDataChannel: a negotiated channel needs an id')
      const id = Number(init.id)
      if (!Number.isInteger(id) || id < 0 || id > 65534) throw new TypeError('createDataChannel: id from 0 to 65534')
      o.id = id
    }
    if (init.priority !== undefined) {
      if (!(init.priority in PRIORITY)) throw new TypeError('createDataChannel: priority "very-low", "low", "medium" or "high"')
      o.priority = PRIORITY[init.priority]
    }
    let h
    try {
      h = call(native.pcCreateChannel, this[kToken], label, o)
    } catch (e) {
      throw domError(e)
    }
    const ch = new RTCDataChannel(this, h, native.pcChannelInfo(this[kToken], h), 'connecting')
    this._channels.set(h, ch)
    return ch
  }

  async createOffer () {
    this._checkOpen()
    try {
      return new RTCSessionDescription({ type: 'offer', sdp: call(native.pcCreateOffer, this[kToken]) })
    } catch (e) {
      throw domError(e)
    }
  }

  async createAnswer () {
    this._checkOpen()
    if (this._signalingState !== 'have-remote-offer') {
      throw new DOMException('createAnswer: no remote offer', 'InvalidStateError')
    }
    try {
      return new RTCSessionDescription({ type: 'answer', sdp: call(native.pcCreateAnswer, this[kToken]) })
    } catch (e) {
      throw domError(e)
    }
  }

  // The description is the one createOffer()/createAnswer() made (no SDP munging); with
  // no argument, the one the signalling state calls for.
  async setLocalDescription (desc) {
    this._checkOpen()
    let type = desc && desc.type
    if (!type) type = this._signalingState === 'have-remote-offer' ? 'answer' : 'offer'
    if (type === 'offer' && this._signalingState !== 'stable' && this._signalingState !== 'have-local-offer') {
      throw new DOMException('setLocalDescription: an offer in state ' + this._signalingState, 'InvalidStateError')
    }
    if (type === 'answer' && this._signalingState !== 'have-remote-offer') {
      throw new DOMException('setLocalDescription: no remote offer to answer', 'InvalidStateError')
    }
    if (type !== 'offer' && type !== 'answer') {
      throw new DOMException('setLocalDescription: type "' + type + '" is not supported', 'OperationError')
    }
    let sdp = desc && desc.sdp
    if (!sdp) sdp = (type === 'offer' ? await this.createOffer() : await this.createAnswer()).sdp
    this._local = { type }
    this._localSdp = sdp
    this._localDirty = true
    this._signalingState = type === 'offer' ? 'have-local-offer' : 'stable'
    this.dispatchEvent(new Event('signalingstatechange'))
    // Candidates follow the description, as in a browser.
    process.nextTick(() => this._startTrickle())
  }

  async setRemoteDescription (desc) {
    this._checkOpen()
    const type = desc && desc.type
    if (type !== 'offer' && type !== 'answer') {
      throw new DOMException('setRemoteDescription: type "' + type + '" is not supported', 'OperationError')
    }
    if (type === 'answer' && this._signalingState !== 'have-local-offer') {
      throw new DOMException('setRemoteDescription: an answer without a local offer', 'InvalidStateError')
    }
    if (type === 'offer' && this._signalingState !== 'stable') {
      throw new DOMException('setRemoteDescription: an offer in state ' + this._signalingState, 'InvalidStateError')
    }
    try {
      call(native.pcSetRemote, this[kToken], type === 'answer', String(desc.sdp || ''))
    } catch (e) {
      throw domError(e)
    }
    this._remote = new RTCSessionDescription({ type, sdp: desc.sdp })
    this._signalingState = type === 'offer' ? 'have-remote-offer' : 'stable'
    this.dispatchEvent(new Event('signalingstatechange'))
  }

  // addIceCandidate({candidate, sdpMid, sdpMLineIndex} | "candidate:..." | null): null or
  // "" is the end of candidates. TCP and mDNS candidates are ignored (resolved).
  async addIceCandidate (c) {
    this._checkOpen()
    const s = c == null ? '' : typeof c === 'string' ? c : String(c.candidate || '')
    try {
      call(native.pcAddCandidate, this[kToken], s)
    } catch (e) {
      if (s === '' && e.errno === E.INVALID_STATE) return // the end, twice
      throw domError(e)
    }
  }

  async getStats () {
    const text = !this._closedByUser && native.pcStats(this[kToken])
    return new Map(text ? Object.entries(JSON.parse(text)) : [])
  }

  close () {
    if (this._closedByUser) return
    this._closedByUser = true
    this._signalingState = 'closed'
    this._connectionState = 'closed'
    this._iceConnectionState = 'closed'
    for (const ch of [...this._channels.values()]) ch._closed(true)
    call(native.pcClose, this[kToken])
  }

  // ---- events of the addon (src/pc.c)

  _startTrickle () {
    if (this._trickling || this._closedByUser) return
    this._trickling = true
    if (this._iceGatheringState === 'new') this._setGathering('gathering')
    const q = this._gathered
    this._gathered = []
    for (const c of q) this._candidate(c)
  }

  _setGathering (s) {
    if (this._iceGatheringState === s) return
    this._iceGatheringState = s
    this.dispatchEvent(new Event('icegatheringstatechange'))
  }

  _candidate (c) {
    if (this._closedByUser) return
    this._localDirty = true
    if (!this._trickling) {
      this._gathered.push(c)
      return
    }
    if (c === '') {
      this._setGathering('complete')
      this.dispatchEvent(new RTCPeerConnectionIceEvent('icecandidate', { candidate: null }))
      return
    }
    const cand = new RTCIceCandidate({ candidate: c, sdpMid: '0', sdpMLineIndex: 0 })
    this.dispatchEvent(new RTCPeerConnectionIceEvent('icecandidate', { candidate: cand }))
  }

  _state (name) {
    if (this._closedByUser) return
    const s = native.pcStates(this[kToken])
    const ice = s ? s.iceConnection : name === 'failed' ? 'failed' : 'closed'
    if (ice !== this._iceConnectionState) {
      this._iceConnectionState = ice
      this.dispatchEvent(new Event('iceconnectionstatechange'))
    }
    if (name !== this._connectionState) {
      this._connectionState = name
      this.dispatchEvent(new Event('connectionstatechange'))
    }
    if (name === 'closed' || name === 'failed') { // the C peer is gone: so are its channels
      for (const ch of [...this._channels.values()]) ch._closed(false)
    }
  }

  _event (type, a, b, c) {
    if (type === 'candidate') return this._candidate(a)
    if (type === 'state') return this._state(a, b)
    if (this._closedByUser) return
    let ch = this._channels.get(a)
    switch (type) {
      case 'open':
        if (!ch) { // announced by the peer (DCEP): open before 'datachannel', as in a browser
          ch = new RTCDataChannel(this, a, b, 'open')
          this._channels.set(a, ch)
          this.dispatchEvent(new RTCDataChannelEvent('datachannel', { channel: ch }))
          ch.dispatchEvent(new Event('open'))
        } else {
          ch._opened(b)
        }
        break
      case 'message': if (ch) ch._message(b, c); break
      case 'bufferedamountlow': if (ch) ch.dispatchEvent(new Event('bufferedamountlow')); break
      case 'closing': if (ch) ch._closing(); break
      case 'closed': if (ch) ch._closed(false); break
      case 'error': if (ch) ch._error(b, c); break
    }
  }
}
eventHandlers(RTCPeerConnection, ['icecandidate', 'icegatheringstatechange', 'iceconnectionstatechange',
  'connectionstatechange', 'signalingstatechange', 'datachannel', 'negotiationneeded'])

module.exports = {
  RTCPeerConnection,
  RTCDataChannel,
  RTCSessionDescription,
  RTCIceCandidate,
  RTCPeerConnectionIceEvent,
  RTCDataChannelEvent
}
