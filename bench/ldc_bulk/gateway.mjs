// SPDX-License-Identifier: MIT
// The workload of bench/bench_peer_gateway.c on libdatachannel (node-datachannel): N peers in
// this process (the gateway, answering) against N remote peers in a forked child (offering, one
// data channel each, at most W set-ups in flight), ICE on 127.0.0.1, signalling over the IPC
// channel. Then: RSS per established idle peer, CPU while idle, and a load of one 16-byte message
// per remote peer per second, echoed by the gateway: CPU per message and one-way / round-trip
// latency. Prints bench_peer_gateway's rows. Figures only.
//
//   node gateway.mjs [--peers N] [--window W] [--seconds S]     (default 1000, 64, 10)
//
// Exits non-zero when set-up stalls for 60 s.
import ndc from 'node-datachannel';
import { fork } from 'node:child_process';
import { loopbackOnly, ndcVersion } from './common.mjs';

const opt = { peers: 1000, window: 64, seconds: 10, child: false };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const k = args[i].replace(/^--/, '');
  if (k === 'child') { opt.child = true; continue; }
  const v = Number(args[++i]);
  if (!(k in opt) || !(v > 0)) {
    process.stderr.write('usage: node gateway.mjs [--peers N] [--window W] [--seconds S]\n');
    process.exit(2);
  }
  opt[k] = v;
}
ndc.initLogger('Error', () => {});
const nowUs = () => Number(process.hrtime.bigint() / 1000n); // CLOCK_MONOTONIC: both processes
const pcOpts = { iceServers: [], bindAddress: '127.0.0.1' };

// Latency histogram in microseconds (1 us buckets up to 1 s).
const HIST = 1000000;
function pct(h, total, p) {
  if (!total) return -1;
  let want = Math.min(Math.floor(p * total), total - 1);
  let seen = 0;
  for (let i = 0; i <= HIST; i++) { seen += h[i]; if (seen > want) return i; }
  return HIST;
}
const hmax = (h) => { for (let i = HIST; i >= 0; i--) if (h[i]) return i; return -1; };
const stamp = (buf) => buf.readBigInt64LE(0);

async function remote() {
  const hist = new Uint32Array(HIST + 1);
  const pcs = new Array(opt.peers);
  const chans = new Array(opt.peers);
  let next = 0, inFlight = 0, opened = 0, failed = 0, sent = 0, echoes = 0;
  const fill = () => {
    while (inFlight < opt.window && next < opt.peers) {
      const i = next++;
      inFlight++;
      const pc = new ndc.PeerConnection(`r${i}`, pcOpts);
      pcs[i] = pc;
      pc.onGatheringStateChange((s) => {
        if (s !== 'complete') return;
        const d = pc.localDescription();
        process.send({ t: 'offer', i, sdp: loopbackOnly(d.sdp) });
      });
      pc.onStateChange((s) => { if (s === 'failed') { failed++; inFlight--; fill(); } });
      const dc = pc.createDataChannel('gw');
      chans[i] = dc;
      dc.onOpen(() => { opened++; inFlight--; fill(); });
      dc.onMessage((m) => {
        const b = Buffer.from(m);
        hist[Math.min(HIST, Math.max(0, nowUs() - Number(stamp(b))))]++;
        echoes++;
      });
    }
  };
  process.on('message', (m) => {
    if (m.t === 'answer') pcs[m.i].setRemoteDescription(m.sdp, 'answer');
    else if (m.t === 'load') load();
  });
  fill();
  let last = 0, lastAt = Date.now();
  const waitAll = setInterval(() => {
    if (opened + failed !== last) { last = opened + failed; lastAt = Date.now(); }
    if (opened + failed >= opt.peers || Date.now() - lastAt > 60000) {
      clearInterval(waitAll);
      process.send({ t: 'open', opened, failed });
    }
  }, 20);
  function load() {
    const start = nowUs();
    const due = pcs.map((_, i) => start + Math.floor(i * 1e6 / opt.peers));
    let cursor = 0;
    const tick = setInterval(() => {
      const now = nowUs();
      for (let n = 0; n < opt.peers && due[cursor] <= now; n++) {
        due[cursor] += 1e6;
        const dc = chans[cursor];
        cursor = (cursor + 1) % opt.peers;
        if (!dc || !dc.isOpen()) continue;
        const b = Buffer.alloc(16);
        b.writeBigInt64LE(BigInt(now), 0);
        dc.sendMessageBinary(b);
        sent++;
      }
    }, 5);
    setTimeout(() => {
      clearInterval(tick);
      setTimeout(() => {
        let total = 0;
        for (let i = 0; i <= HIST; i++) total += hist[i];
        process.send({ t: 'report', sent, echoes, p50: pct(hist, total, 0.5),
          p99: pct(hist, total, 0.99), max: hmax(hist) });
      }, 1000);
    }, opt.seconds * 1000);
  }
}

async function gateway() {
  const rss0 = process.memoryUsage().rss;
  const hist = new Uint32Array(HIST + 1);
  const pcs = [];
  let opened = 0, got = 0, out = 0, firstOffer = 0, lastOpen = 0;
  const child = fork(new URL(import.meta.url).pathname,
    ['--child', '--peers', String(opt.peers), '--window', String(opt.window),
      '--seconds', String(opt.seconds)]);
  let waiter = null;
  const next = (t) => new Promise((resolve) => { waiter = { t, resolve }; });
  child.on('message', (m) => {
    if (m.t === 'offer') {
      if (!firstOffer) firstOffer = nowUs();
      const pc = new ndc.PeerConnection(`g${m.i}`, pcOpts);
      pcs.push(pc);
      pc.onGatheringStateChange((s) => {
        if (s !== 'complete') return;
        const d = pc.localDescription();
        if (d && d.type === 'answer') child.send({ t: 'answer', i: m.i, sdp: loopbackOnly(d.sdp) });
      });
      pc.onDataChannel((dc) => {
        pcs.push(dc);
        opened++;
        lastOpen = nowUs();
        dc.onMessage((data) => {
          const b = Buffer.from(data);
          hist[Math.min(HIST, Math.max(0, nowUs() - Number(stamp(b))))]++;
          got++;
          dc.sendMessageBinary(b);
          out++;
        });
      });
      pc.setRemoteDescription(m.sdp, 'offer');
    } else if (waiter && m.t === waiter.t) {
      const w = waiter;
      waiter = null;
      w.resolve(m);
    }
  });
  const all = await next('open');
  const est = opened;
  const setupS = (lastOpen - firstOffer) / 1e6;
  await new Promise((r) => setTimeout(r, 2000));
  const c0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 5000));
  const c1 = process.cpuUsage();
  const idle = (c1.user + c1.system - c0.user - c0.system) / 1e6 / 5;
  if (global.gc) global.gc();
  const rss1 = process.memoryUsage().rss;
  const l0 = process.cpuUsage();
  child.send({ t: 'load' });
  const r = await next('report');
  const l1 = process.cpuUsage();
  const cpu = (l1.user + l1.system - l0.user - l0.system) / 1e6;
  let total = 0;
  for (let i = 0; i <= HIST; i++) total += hist[i];
  const row = (k, v) => console.log(`  ${k.padEnd(46)} ${v}`);
  const ms = (x) => (x / 1e3).toFixed(2).padStart(7);
  console.log(`gateway of ${opt.peers} WebRTC peers in one process (libdatachannel ${ndc.getLibraryVersion()} ` +
    `through node-datachannel ${ndcVersion()}, ICE on 127.0.0.1; remote peers in a forked process; ` +
    `${opt.window} set-ups in flight):`);
  row('peers established', `${String(est).padStart(10)} of ${opt.peers} (${all.failed} failed)`);
  row('set-up rate, first offer to last channel open', `${(setupS > 0 ? est / setupS : 0).toFixed(1).padStart(10)} /s (${setupS.toFixed(1)} s)`);
  row('RSS per established idle peer', `${((rss1 - rss0) / Math.max(est, 1) / 1024).toFixed(1).padStart(10)} KiB`);
  row('gateway CPU while all idle', `${(est ? idle * 100 * 1000 / est : 0).toFixed(1).padStart(10)} % of a core per 1,000 peers`);
  row('load: one 16-byte message per peer per second', `${String(opt.seconds).padStart(10)} s, ${(got / opt.seconds).toFixed(0)} msg/s in`);
  row('gateway CPU per message handled', `${((got + out) ? cpu * 1e6 / (got + out) : 0).toFixed(2).padStart(10)} us (${cpu.toFixed(2)} CPU-s over ${got} in + ${out} out)`);
  row('  of which the messages', `${((got + out) ? (cpu - idle * (opt.seconds + 1)) * 1e6 / (got + out) : 0).toFixed(2).padStart(10)} us (the CPU over the idle rate, per message in or out)`);
  console.log(`  ${'latency remote -> gateway (one way)'.padEnd(46)} p50 ${ms(pct(hist, total, 0.5))}  p99 ${ms(pct(hist, total, 0.99))}  max ${ms(hmax(hist))} ms`);
  console.log(`  ${'round trip remote -> gateway -> remote'.padEnd(46)} p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  max ${ms(r.max)} ms`);
  row('messages lost (sent, no echo)', `${String(r.sent - r.echoes).padStart(10)} of ${r.sent}`);
  child.kill();
  ndc.cleanup();
  process.exit(est === opt.peers ? 0 : 1);
}

if (opt.child) remote(); else gateway();
