// SPDX-License-Identifier: MIT
// Runs in the headless browser for setup.mjs. Two roles:
//  - the measured page: window.measure(kind, opts) makes one connection to a peer reached
//    through the exposed window.__toPeer(msg) / window.__fromPeer(msg) relay (csctp-peer or
//    the same browser in a second page) and returns its timings, from performance.now();
//  - the browser peer (second page): window.__peerStart(args), window.__peerIn(msg),
//    output through window.__peerOut(msg); the contract of ../shared/interop/README.md as far
//    as set-up needs it (offer or answer, complete descriptions).
// Descriptions are complete (non-trickle: sent once ICE gathering is done), as the harness does
// by default; setup.mjs keeps only loopback candidates in them.
'use strict';

const pcs = [];
const queue = [];
const waiters = [];

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([
    p,
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout (${ms} ms) waiting for ${what}`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

function newPc() {
  const pc = new RTCPeerConnection({ iceServers: [] });
  pcs.push(pc);
  return pc;
}

function gatheringDone(pc, ms) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise(resolve => {
    const t = setTimeout(resolve, ms);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); }
    });
  });
}

// ---- the measured page -----------------------------------------------------

window.__fromPeer = (msg) => {
  if (msg.type === 'candidate') return; // complete descriptions only
  const i = waiters.findIndex(w => w.type === msg.type);
  if (i >= 0) waiters.splice(i, 1)[0].resolve(msg);
  else queue.push(msg);
};

function waitPeer(type, ms) {
  const i = queue.findIndex(m => m.type === type);
  if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]);
  return withTimeout(new Promise(resolve => waiters.push({ type, resolve })), ms, `"${type}" from the peer`);
}

// When ICE and DTLS are up, as performance.now(): the DTLS transport's "connected" (or
// connectionState "connected" where there is no RTCDtlsTransport), whichever is seen first.
function whenConnected(pc) {
  return new Promise(resolve => {
    let dtls = null;
    const check = () => {
      if (!dtls && pc.sctp && pc.sctp.transport) {
        dtls = pc.sctp.transport;
        dtls.addEventListener('statechange', check);
      }
      if (pc.connectionState === 'connected' || (dtls && dtls.state === 'connected')) resolve(performance.now());
    };
    pc.addEventListener('connectionstatechange', check);
    pc.addEventListener('iceconnectionstatechange', check);
    pc.addEventListener('signalingstatechange', check);
    check();
  });
}

// When dc fires "open" (or now, if it is open already), as performance.now().
function whenOpen(dc) {
  if (dc.readyState === 'open') return Promise.resolve(performance.now());
  return new Promise((resolve, reject) => {
    dc.addEventListener('open', () => resolve(performance.now()), { once: true });
    dc.addEventListener('close', () => reject(new Error(`channel "${dc.label}" closed before opening`)), { once: true });
  });
}

// The page offers: t0 just before createOffer(); the offer leaves once gathering is complete.
async function pageOffers(o) {
  const pc = newPc();
  const connected = whenConnected(pc);
  const dc = pc.createDataChannel('setup', { ordered: true });
  const opened = whenOpen(dc);
  const deadline = o.timeout;
  let step = 'creating the offer';
  const t0 = performance.now();
  const run = (async () => {
    await pc.setLocalDescription(await pc.createOffer());
    step = 'ICE gathering';
    await gatheringDone(pc, deadline);
    const tOffer = performance.now();
    step = 'the answer';
    await window.__toPeer({ type: 'offer', sdp: pc.localDescription.sdp });
    const answer = await waitPeer('answer', deadline);
    const tAnswer = performance.now();
    step = 'the channel to open';
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    const tOpen = await opened;
    return { tOffer, tAnswer, tOpen };
  })();
  const r = await withTimeout(run, deadline, 'an open channel')
    .catch(e => { throw new Error(`${e.message} (was waiting for ${step}; ICE ${pc.iceConnectionState}, connection ${pc.connectionState})`); });
  const tConn = await Promise.race([connected, Promise.resolve(null)]);
  return {
    offerToOpen: r.tOpen - t0, sentToOpen: r.tOpen - r.tOffer, answerToOpen: r.tOpen - r.tAnswer,
    gather: r.tOffer - t0, signal: r.tAnswer - r.tOffer,
    connect: tConn === null ? null : tConn - r.tAnswer, sctp: tConn === null ? null : r.tOpen - tConn,
  };
}

// The peer offers: t0 when its (complete) offer reaches the page, just before
// setRemoteDescription(offer); the answer leaves once gathering is complete; open is the
// peer's channel ("offerer") opening here.
async function peerOffers(o) {
  const pc = newPc();
  const connected = whenConnected(pc);
  const incoming = new Promise(resolve => pc.addEventListener('datachannel', e => resolve(whenOpen(e.channel))));
  const offer = await waitPeer('offer', o.timeout);
  const deadline = o.timeout;
  let step = 'the answer to be made';
  const t0 = performance.now();
  const run = (async () => {
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    step = 'ICE gathering';
    await gatheringDone(pc, deadline);
    const tAnswer = performance.now();
    step = 'the peer\'s channel to open';
    await window.__toPeer({ type: 'answer', sdp: pc.localDescription.sdp });
    const tOpen = await (await incoming);
    return { tAnswer, tOpen };
  })();
  const r = await withTimeout(run, deadline, 'an open channel')
    .catch(e => { throw new Error(`${e.message} (was waiting for ${step}; ICE ${pc.iceConnectionState}, connection ${pc.connectionState})`); });
  const tConn = await Promise.race([connected, Promise.resolve(null)]);
  return {
    offerToOpen: r.tOpen - t0, sentToOpen: r.tOpen - t0, answerToOpen: r.tOpen - r.tAnswer,
    gather: r.tAnswer - t0, signal: 0,
    connect: tConn === null ? null : tConn - r.tAnswer, sctp: tConn === null ? null : r.tOpen - tConn,
  };
}

window.measure = async (kind, o) => {
  try {
    const m = kind === 'peer-offers' ? await peerOffers(o) : await pageOffers(o);
    return { ok: true, m };
  } catch (e) {
    return { ok: false, reason: String(e && e.message || e) };
  }
};

// ---- the browser as the peer (second page) -----------------------------------

let peerPc = null;
let peerChain = Promise.resolve();

async function peerDescribe(kind) {
  await peerPc.setLocalDescription(kind === 'offer' ? await peerPc.createOffer() : await peerPc.createAnswer());
  await gatheringDone(peerPc, 10000);
  window.__peerOut({ type: kind, sdp: peerPc.localDescription.sdp });
}

window.__peerStart = (args) => {
  peerPc = newPc();
  if (args.includes('--offer')) {
    peerPc.createDataChannel('offerer', { ordered: true });
    peerChain = peerChain.then(() => peerDescribe('offer'));
  }
};

window.__peerIn = (msg) => {
  peerChain = peerChain.then(async () => {
    if (msg.type === 'offer') { await peerPc.setRemoteDescription(msg); await peerDescribe('answer'); }
    else if (msg.type === 'answer') await peerPc.setRemoteDescription(msg);
    else if (msg.type === 'bye') window.__cleanup();
  }).catch(e => console.log('peer error: ' + e));
};

window.__cleanup = () => {
  for (const pc of pcs) { try { pc.close(); } catch {} }
  pcs.length = 0;
};
