// SPDX-License-Identifier: MIT
// Runs in headless Firefox (served from 127.0.0.1, a secure context, so crypto.subtle exists).
// driver.mjs calls window.ff.* through page.evaluate; every wait here has its own timeout.
'use strict';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout (${ms} ms) waiting for ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}

// The same xorshift32 as the other drivers: message `seed` is reproducible anywhere.
function makeBytes(size, seed) {
  const u = new Uint8Array(size);
  let x = (Math.imul(seed + 1, 0x9e3779b1) ^ 0x5bd1e995) >>> 0 || 1;
  for (let i = 0; i < size; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; u[i] = x & 0xff; }
  return u;
}
// What csctp-peer sends for the text "send:N" (tools/csctp-peer.c): byte i is (i * 131 + (i >> 13)) mod 256.
function peerPattern(size) {
  const u = new Uint8Array(size);
  for (let i = 0; i < size; i++) u[i] = (Math.imul(i, 131) + (i >>> 13)) & 0xff;
  return u;
}
async function sha256(buf) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

let pc = null; // the connection to csctp-peer
const pcs = []; // every RTCPeerConnection of this page, closed by ff.close()
const channels = new Map(); // label -> { dc, inbox, waiter, t0 }

function newPc() { const p = new RTCPeerConnection({ iceServers: [] }); pcs.push(p); return p; }

function track(dc) {
  const ch = { dc, inbox: [], waiter: null, t0: 0 };
  dc.binaryType = 'arraybuffer';
  dc.onmessage = (e) => {
    const m = { data: e.data, at: performance.now() };
    if (ch.waiter) { const w = ch.waiter; ch.waiter = null; w(m); } else ch.inbox.push(m);
  };
  channels.set(dc.label, ch);
  return ch;
}

function gathered(p, ms) {
  if (p.iceGatheringState === 'complete') return Promise.resolve();
  return withTimeout(new Promise((resolve) => p.addEventListener('icegatheringstatechange', () => {
    if (p.iceGatheringState === 'complete') resolve();
  })), ms, 'ICE gathering to complete');
}

function state() {
  const s = { pc: pc && pc.connectionState, ice: pc && pc.iceConnectionState, sctp: pc && pc.sctp ? pc.sctp.state : null, channels: {} };
  for (const [label, ch] of channels) s.channels[label] = { readyState: ch.dc.readyState, bufferedAmount: ch.dc.bufferedAmount };
  return s;
}

window.ff = {
  // Firefox offers with one ordered reliable channel; returns the complete offer.
  async offer(label, gatherMs) {
    pc = newPc();
    track(pc.createDataChannel(label, { ordered: true }));
    await pc.setLocalDescription();
    await gathered(pc, gatherMs);
    return pc.localDescription.sdp;
  },
  async accept(answerSdp) {
    await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  },
  // The peer offers; Firefox answers and keeps every channel the peer opens.
  async answer(offerSdp, gatherMs) {
    pc = newPc();
    pc.ondatachannel = (e) => track(e.channel);
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await pc.setLocalDescription();
    await gathered(pc, gatherMs);
    return pc.localDescription.sdp;
  },
  // The reference: a second RTCPeerConnection in this page echoes instead of csctp-peer, so
  // the same messages go Firefox -> Firefox -> Firefox over the same SCTP stack.
  async loopback(label) {
    const a = newPc();
    const b = newPc();
    a.onicecandidate = (e) => { if (e.candidate) b.addIceCandidate(e.candidate).catch(() => {}); };
    b.onicecandidate = (e) => { if (e.candidate) a.addIceCandidate(e.candidate).catch(() => {}); };
    b.ondatachannel = (e) => { e.channel.binaryType = 'arraybuffer'; e.channel.onmessage = (m) => e.channel.send(m.data); };
    track(a.createDataChannel(label, { ordered: true }));
    pc = a;
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription);
  },
  // Waits for channel `label` to be open; returns what Firefox knows of it and of the transport.
  async open(label, ms) {
    const t0 = performance.now();
    while (!channels.has(label)) {
      if (performance.now() - t0 > ms) throw new Error(`timeout (${ms} ms) waiting for the peer's channel "${label}"; ${JSON.stringify(state())}`);
      await sleep(10);
    }
    const { dc } = channels.get(label);
    if (dc.readyState !== 'open') {
      await withTimeout(new Promise((resolve, reject) => {
        dc.addEventListener('open', resolve, { once: true });
        dc.addEventListener('close', () => reject(new Error(`channel "${label}" closed before opening`)), { once: true });
      }), ms - (performance.now() - t0), `channel "${label}" to open; ${JSON.stringify(state())}`);
    }
    return {
      label: dc.label, id: dc.id, ordered: dc.ordered, maxRetransmits: dc.maxRetransmits,
      maxPacketLifeTime: dc.maxPacketLifeTime, maxMessageSize: pc.sctp ? pc.sctp.maxMessageSize : null,
      openMs: Math.round(performance.now() - t0),
    };
  },
  // Sends one binary message of `size` seeded bytes on `label`; returns its SHA-256.
  async send(label, size, seed) {
    const ch = channels.get(label);
    const buf = makeBytes(size, seed);
    const sent = await sha256(buf);
    ch.t0 = performance.now();
    ch.dc.send(buf);
    return sent;
  },
  // Sends the text `text` on `label` (a control string of csctp-peer); returns the SHA-256 of
  // the `size` bytes that "send:size" asks the peer for (null for no size), computed first.
  async ask(label, text, size) {
    const ch = channels.get(label);
    const want = size ? await sha256(peerPattern(size)) : null;
    ch.t0 = performance.now();
    ch.dc.send(text);
    return want;
  },
  // The next message on `label` if one arrives within ms, else null (the driver polls, so that
  // it can look at Firefox's log between calls). ms of the result: from send() to the message.
  async next(label, ms) {
    const ch = channels.get(label);
    let m = ch.inbox.shift();
    if (!m) {
      m = await Promise.race([new Promise((resolve) => { ch.waiter = resolve; }), sleep(ms).then(() => null)]);
      if (!m) { ch.waiter = null; return null; }
    }
    const out = { ms: m.at - ch.t0, extra: ch.inbox.length };
    if (typeof m.data === 'string') return { ...out, type: 'string', bytes: m.data.length, got: null, text: m.data.slice(0, 200) };
    return { ...out, type: 'binary', bytes: m.data.byteLength, got: await sha256(m.data) };
  },
  state,
  close() {
    for (const { dc } of channels.values()) { try { dc.close(); } catch {} }
    channels.clear();
    for (const p of pcs.splice(0)) { try { p.close(); } catch {} }
    pc = null;
  },
};
