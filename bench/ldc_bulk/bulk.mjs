// SPDX-License-Identifier: MIT
// The workload of tools/csctp-peer-bulk.c on libdatachannel (node-datachannel, usrsctp inside):
// two peers in two processes (this one, "a", the offerer, and a forked child, "b"), signalling
// over the IPC channel of child_process.fork, ICE on 127.0.0.1 only. Sends N MiB one way in
// 64 KiB binary messages with the harness's flow control (send while bufferedAmount <= 4 MiB,
// resume on bufferedamountlow at 1 MiB); the receiver answers "ok" when every byte arrived; then
// N MiB the other way. Prints MB/s (10^6 bytes per second, first send to the "ok") per direction
// and the CPU time (user+system) of both processes over the whole run, per GiB moved, in
// csctp-peer-bulk's format, so bench/fullstack_peers.sh reads both the same way. Figures only.
// Fails when a channel's maxMessageSize (the other side's a=max-message-size, libdatachannel's
// default 256 KiB) is below 64 KiB. node-datachannel does not expose the negotiated DTLS cipher:
// the last line says so (fullstack_peers.sh reads it from a capture of the ServerHello).
//
//   node bulk.mjs [--mib N]     (default 64)
//
// Exits non-zero when a transfer does not complete within max(60, 4 N) s.
import { fork } from 'node:child_process';
import ndc from 'node-datachannel';
import { loopbackOnly, ndcVersion } from './common.mjs';

const MSG = 65536;
const HIGH = 4 << 20;
const LOW = 1 << 20;

const args = process.argv.slice(2);
const child = args.includes('--child');
let mib = 64;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--mib' && i + 1 < args.length) mib = Number(args[++i]);
  else if (args[i] !== '--child') {
    process.stderr.write('usage: node bulk.mjs [--mib N]\n');
    process.exit(2);
  }
}
if (!(mib >= 1)) mib = 1;
const total = Math.floor(mib) * 1048576;
const seconds = Math.max(60, 4 * mib);
const name = child ? 'b' : 'a';
const log = (s) => process.stderr.write(`[${(Date.now() / 1000).toFixed(3)}] ${name}: ${s}\n`);

// To the other process: a's child handle, or b's own IPC channel.
let peerProc = null;
const signal = (m) => (child ? process.send(m) : peerProc.send(m));

let ok = false;
let finished = false;
const pc = new ndc.PeerConnection(`bulk-${name}`, { iceServers: [], bindAddress: '127.0.0.1' });
pc.onStateChange((s) => {
  log(s);
  if ((s === 'failed' || s === 'closed') && !finished) fail(`peer connection ${s}`);
});
let descSent = false;
pc.onGatheringStateChange((s) => {
  if (s !== 'complete' || descSent) return;
  const d = pc.localDescription();
  if (!d || d.type !== (child ? 'answer' : 'offer')) return;
  descSent = true;
  signal({ type: d.type, sdp: loopbackOnly(d.sdp) });
});

function fail(why) {
  log(`FAILED: ${why}`);
  if (peerProc) peerProc.kill('SIGKILL');
  process.exit(1);
}
const timer = setTimeout(() => fail('timeout'), seconds * 1000);

const checkMax = (dc) => {
  // Both ends must take a 64 KiB message (a=max-message-size of the other side).
  if (dc.maxMessageSize() < MSG) fail(`channel ${dc.getLabel()}: maxMessageSize ${dc.maxMessageSize()} < ${MSG}`);
  return dc.maxMessageSize();
};
let maxA = 0; // a's sending limit, reported with b's

// Sending side: the channel we created, pumped under the flow control above.
let tx = null;
let t0 = 0;
let sent = 0;
const chunk = Buffer.alloc(MSG);
function pump() {
  while (sent < total && tx.bufferedAmount() <= HIGH) {
    const n = Math.min(MSG, total - sent);
    tx.sendMessageBinary(n === MSG ? chunk : chunk.subarray(0, n)); // false: queued, not an error
    sent += n;
  }
}
function start(label) {
  tx = pc.createDataChannel(label);
  tx.onOpen(() => {
    maxA = checkMax(tx);
    tx.setBufferedAmountLowThreshold(LOW);
    tx.onBufferedAmountLow(() => pump());
    t0 = performance.now();
    pump();
  });
  tx.onMessage((m) => {
    if (typeof m !== 'string') return;
    if (m === 'ok') {
      const s = (performance.now() - t0) / 1000;
      const line = `${child ? 'b -> a' : 'a -> b'}: ${total} bytes in ${s.toFixed(3)} s: ${(total / 1e6 / s).toFixed(2)} MB/s`;
      if (child) signal({ type: 'result', line, max: tx.maxMessageSize() });
      else console.log(line);
      ok = true;
      tx.sendMessage(child ? 'end' : 'go'); // a: b's turn; b: both measured
    }
  });
  tx.onError((e) => fail(`channel ${label}: ${e}`));
}

// Receiving side: the channel the other peer created; "go" and "end" come on it too.
pc.onDataChannel((dc) => {
  checkMax(dc);
  let received = 0;
  dc.onMessage((m) => {
    if (typeof m === 'string') {
      if (m === 'go') start('b-to-a');
      else if (m === 'end') done();
      return;
    }
    received += m.length;
    if (received === total) dc.sendMessage('ok');
  });
});

const cpuSeconds = () => {
  const u = process.cpuUsage(); // since the process started: set-up included, as getrusage
  return (u.user + u.system) / 1e6;
};

if (child) {
  process.on('message', (m) => {
    if (m.type === 'offer') pc.setRemoteDescription(m.sdp, m.type);
    else if (m.type === 'bye') {
      finished = true;
      signal({ type: 'cpu', seconds: cpuSeconds(), ok });
      clearTimeout(timer);
      try { pc.close(); } catch {}
      setTimeout(() => { ndc.cleanup(); process.exit(ok ? 0 : 1); }, 100);
    }
  });
  process.on('disconnect', () => { if (!finished) fail('parent went away'); });
} else {
  peerProc = fork(new URL(import.meta.url).pathname, ['--child', '--mib', String(mib)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  peerProc.on('message', (m) => {
    if (m.type === 'answer') pc.setRemoteDescription(m.sdp, m.type);
    else if (m.type === 'result') {
      console.log(m.line);
      maxB = m.max;
    }
    else if (m.type === 'cpu') report(m.seconds, m.ok);
  });
  peerProc.on('exit', (code) => { if (!finished) fail(`child exited (${code})`); });
  start('a-to-b');
}

let cpuA = 0;
let maxB = 0;
// a: "end" arrived over SCTP; b's "result" line and then its "cpu" follow in order on the IPC
// channel, so the cpu line is printed last.
function done() {
  if (child) return;
  finished = true;
  cpuA = cpuSeconds();
  signal({ type: 'bye' });
}
function report(cpuB, okB) {
  clearTimeout(timer);
  const both = cpuA + cpuB;
  const gib = (2 * total) / 1073741824;
  console.log(`cpu: a ${cpuA.toFixed(2)} s, b ${cpuB.toFixed(2)} s (user+system), both ${both.toFixed(2)} s for ${gib.toFixed(2)} GiB: ${(both / gib).toFixed(2)} CPU-s/GiB`);
  // node-datachannel has no call for the negotiated cipher: say where it comes from instead.
  console.log(`stack: libdatachannel ${ndc.getLibraryVersion()} (node-datachannel ${ndcVersion()}, usrsctp inside, OpenSSL);` +
    ` maxMessageSize a -> b ${maxA}, b -> a ${maxB};` +
    ' DTLS cipher: not exposed by node-datachannel (bench/fullstack_peers.sh reads it from a capture of the ServerHello)');
  try { pc.close(); } catch {}
  peerProc.once('exit', (code) => {
    ndc.cleanup();
    process.exit(ok && okB && code === 0 ? 0 : 1);
  });
}
