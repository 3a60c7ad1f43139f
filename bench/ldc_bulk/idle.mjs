// SPDX-License-Identifier: MIT
// The workload of bench/bench_peer_memory.c on libdatachannel (node-datachannel, usrsctp inside):
// N1 then N2 pairs of peers in this process, ICE on 127.0.0.1 only, each pair with one data
// channel open and one 16-byte message sent each way, then 2 s idle; prints the RSS added per
// peer between N1 and N2 pairs (what the process pays once is not counted), and the JavaScript
// heap's share of it, in bench_peer_memory's format. Figures only.
//
//   node --expose-gc idle.mjs [--pairs N1,N2]     (default 10,110)
//
// Exits non-zero when the pairs do not connect within 60 s.
import ndc from 'node-datachannel';
import { loopbackOnly, ndcVersion } from './common.mjs';

let n1 = 10;
let n2 = 110;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const m = args[i] === '--pairs' && i + 1 < args.length ? /^(\d+),(\d+)$/.exec(args[++i]) : null;
  if (!m || !(Number(m[1]) >= 1 && Number(m[2]) > Number(m[1]))) {
    process.stderr.write('usage: node idle.mjs [--pairs N1,N2]  (1 <= N1 < N2)\n');
    process.exit(2);
  }
  n1 = Number(m[1]);
  n2 = Number(m[2]);
}

ndc.initLogger('Error', () => {});
const keep = []; // every peer connection and channel stays referenced while measured


// One pair: resolves when each side received the other's 16-byte message.
function pair(i) {
  return new Promise((resolve, reject) => {
    const opts = { iceServers: [], bindAddress: '127.0.0.1' };
    const a = new ndc.PeerConnection(`a${i}`, opts);
    const b = new ndc.PeerConnection(`b${i}`, opts);
    let got = 0;
    const done = () => { if (++got === 2) resolve(); };
    const hello = Buffer.from('idle peer hello\0');
    const gathered = (pc, to, type) => pc.onGatheringStateChange((s) => {
      if (s !== 'complete') return;
      const d = pc.localDescription();
      if (d && d.type === type) to.setRemoteDescription(loopbackOnly(d.sdp), d.type);
    });
    gathered(a, b, 'offer');
    gathered(b, a, 'answer');
    for (const pc of [a, b]) {
      pc.onStateChange((s) => { if (s === 'failed') reject(new Error(`pair ${i} failed`)); });
    }
    b.onDataChannel((dc) => {
      keep.push(dc);
      dc.onMessage(() => done());
      dc.sendMessageBinary(hello);
    });
    const dc = a.createDataChannel('idle');
    dc.onOpen(() => dc.sendMessageBinary(hello));
    dc.onMessage(() => done());
    keep.push(a, b, dc);
  });
}

async function growTo(from, to) {
  const all = [];
  for (let i = from; i < to; i++) all.push(pair(i));
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('pairs did not connect within 60 s')), 60000);
  });
  await Promise.race([Promise.all(all), timeout]);
  clearTimeout(timer);
  await new Promise((r) => setTimeout(r, 2000));
  if (global.gc) global.gc();
}

const sample = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, js: m.heapUsed + m.external + m.arrayBuffers };
};

try {
  await growTo(0, n1);
  const s1 = sample();
  await growTo(n1, n2);
  const s2 = sample();
  const peers = 2 * (n2 - n1);
  const kib = (a, b) => ((b - a) / peers / 1024).toFixed(1).padStart(10);
  console.log(`memory per idle WebRTC peer (libdatachannel ${ndc.getLibraryVersion()} through node-datachannel ${ndcVersion()}, ` +
    `${n1} pairs -> ${n2} pairs in one process, the difference per peer added):`);
  console.log(`  ${'RSS'.padEnd(44)} ${kib(s1.rss, s2.rss)} KiB`);
  console.log(`  ${'  of which the JavaScript heap'.padEnd(44)} ${kib(s1.js, s2.js)} KiB`);
  ndc.cleanup();
  process.exit(0);
} catch (e) {
  process.stderr.write(`idle.mjs: FAILED: ${e.message}\n`);
  process.exit(1);
}
