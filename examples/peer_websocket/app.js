// SPDX-License-Identifier: MIT
// The page of peer_websocket: one RTCPeerConnection, signalled through the
// WebSocket at /ws (JSON messages: see peer_websocket.c). The offerer opens a
// data channel "echo", sends a text and a binary message and checks that both
// come back unchanged; the answerer (the C program, or a second page with
// --relay) echoes. The outcome goes back to the server as {type: "result"}.
'use strict';
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
// ?test: the automated test (headless Chromium). Chromium offers loopback ICE
// candidates only to a page holding a camera/microphone permission, so the test
// asks for the (fake) microphone first; nobody else needs to.
const TEST = params.has('test');

function log(text, cls) {
  const d = document.createElement('div');
  d.textContent = text;
  if (cls) d.className = cls;
  $('log').appendChild(d);
  console.log(text);
}

const room = encodeURIComponent(params.get('room') || 'lobby'); // pairs pages with --relay
const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?room=${room}`);
const signal = (msg) => ws.send(JSON.stringify(msg));
ws.onopen = () => { $('signal').textContent = 'connected'; };
ws.onclose = () => { $('signal').textContent = 'closed'; };

let pc = null;
let channel = null;

function newPeerConnection() {
  pc = new RTCPeerConnection();
  pc.onicecandidate = (e) => signal(e.candidate
    ? { type: 'candidate', candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid,
        sdpMLineIndex: e.candidate.sdpMLineIndex }
    : { type: 'candidate', candidate: '' });
  pc.onconnectionstatechange = () => { $('state').textContent = pc.connectionState; };
  pc.ondatachannel = (e) => echo(e.channel); // we answered: echo what the offerer sends
}

// The answerer's side (relay mode): send every message back.
function echo(ch) {
  ch.binaryType = 'arraybuffer';
  ch.onopen = () => log(`channel "${ch.label}" open: echoing`, 'ok');
  ch.onmessage = (e) => {
    log(typeof e.data === 'string' ? `echo "${e.data}"` : `echo ${e.data.byteLength} bytes`);
    ch.send(e.data);
  };
  useForChat(ch);
}

function useForChat(ch) {
  channel = ch;
  $('text').disabled = $('send').disabled = false;
}
$('form').onsubmit = (e) => {
  e.preventDefault();
  if (!channel || channel.readyState !== 'open' || !$('text').value) return;
  log('you: ' + $('text').value);
  channel.send($('text').value);
  $('text').value = '';
};

// The offerer's side: open the channel, offer, then the exchange once it is open.
async function offer() {
  newPeerConnection();
  const ch = pc.createDataChannel('echo');
  ch.binaryType = 'arraybuffer';
  ch.onopen = () => exchange(ch).then((r) => signal({ type: 'result', ...r }));
  await pc.setLocalDescription(); // creates the offer
  signal({ type: 'offer', sdp: pc.localDescription.sdp });
}

async function exchange(ch) {
  log(`channel "${ch.label}" open`, 'ok');
  const text = 'hello from the page';
  const bytes = new Uint8Array(1000).map((_, i) => (i * 31 + 7) & 255);
  const echoes = [];
  const both = new Promise((resolve) => {
    ch.onmessage = (e) => {
      echoes.push(e.data);
      log(typeof e.data === 'string' ? `peer: "${e.data}"` : `peer: ${e.data.byteLength} bytes`);
      if (echoes.length === 2) resolve(true);
    };
  });
  ch.send(text);
  ch.send(bytes);
  const inTime = await Promise.race([both, new Promise((r) => setTimeout(() => r(false), 5000))]);
  const same = (b) => b instanceof ArrayBuffer && b.byteLength === bytes.length &&
    new Uint8Array(b).every((v, i) => v === bytes[i]);
  const ok = inTime && echoes[0] === text && same(echoes[1]);
  const detail = ok ? 'text and 1000-byte binary message echoed' : `echoes: ${echoes.length} in 5 s`;
  log(detail, ok ? 'ok' : 'bad');
  useForChat(ch);
  ch.onmessage = (e) => log('peer: ' + (typeof e.data === 'string' ? e.data : `${e.data.byteLength} bytes`));
  return { ok, detail };
}

// Signalling messages are handled one after the other: a candidate must not
// reach the RTCPeerConnection before the description it belongs to.
async function handle(msg) {
  switch (msg.type) {
    case 'wait': log('waiting for a second page in this room'); break;
    case 'ready':
      log(`paired: we are the ${msg.role}`);
      if (msg.role === 'offerer') await offer(); else newPeerConnection();
      break;
    case 'offer':
      if (!pc) newPeerConnection();
      await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      await pc.setLocalDescription(); // creates the answer
      signal({ type: 'answer', sdp: pc.localDescription.sdp });
      break;
    case 'answer': await pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp }); break;
    case 'candidate':
      if (msg.candidate && pc) {
        await pc.addIceCandidate({ candidate: msg.candidate, sdpMid: msg.sdpMid ?? null,
                                   sdpMLineIndex: msg.sdpMLineIndex ?? 0 });
      }
      break;
    case 'bye': log('the other page left', 'bad'); if (pc) pc.close(); pc = null; break;
  }
}

async function grantLoopback() {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  stream.getTracks().forEach((t) => t.stop());
}

let queue = TEST ? grantLoopback().catch((err) => log('no microphone: ' + err, 'bad')) : Promise.resolve();
ws.onmessage = (e) => {
  const msg = JSON.parse(e.data);
  queue = queue.then(() => handle(msg)).catch((err) => {
    log('error: ' + err, 'bad');
    if (TEST) signal({ type: 'result', ok: false, detail: String(err) });
  });
};
