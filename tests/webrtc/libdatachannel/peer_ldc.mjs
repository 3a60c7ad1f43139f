// SPDX-License-Identifier: MIT
// A minimal peer of the ../shared/interop contract on libdatachannel itself, for the bulk
// reference: the driver runs the same bulk against it, in its own process as csctp-peer is, so
// "libdatachannel -> csctp" and "libdatachannel -> libdatachannel" are measured side by side in
// one run. Answers an offer (or offers with --offer, channel "offerer"), complete SDP with
// loopback candidates only; echoes every message except on sink* channels; answers "bytes?".
// Not a full contract peer: no "info?", "close!" or negotiated channels.
import readline from 'node:readline';
import ndc from 'node-datachannel';

const offer = process.argv.includes('--offer');
const pc = new ndc.PeerConnection('ref-peer', { iceServers: [], bindAddress: '127.0.0.1', maxMessageSize: 16 << 20 });
const out = (m) => process.stdout.write(JSON.stringify(m) + '\n');
let sent = false;
pc.onGatheringStateChange((s) => {
  if (s !== 'complete' || sent) return;
  const d = pc.localDescription();
  if (!d || (offer ? d.type !== 'offer' : d.type !== 'answer')) return;
  sent = true;
  out({ type: d.type, sdp: d.sdp });
});
const serve = (dc) => {
  const sink = dc.getLabel().startsWith('sink');
  let bytes = 0;
  dc.onMessage((m) => {
    if (typeof m === 'string') {
      if (m === 'bytes?') dc.sendMessage(String(bytes));
      else if (!sink) dc.sendMessage(m);
    } else {
      bytes += m.length;
      if (!sink) dc.sendMessageBinary(m);
    }
  });
};
pc.onDataChannel(serve);
if (offer) serve(pc.createDataChannel('offerer'));
let done = false;
const finish = () => {
  if (done) return;
  done = true;
  try { pc.close(); } catch {}
  setTimeout(() => { ndc.cleanup(); process.exit(0); }, 100);
};
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let m;
  try { m = JSON.parse(line); } catch { return; }
  if (m.type === 'offer' || m.type === 'answer') pc.setRemoteDescription(m.sdp, m.type);
  else if (m.type === 'candidate' && m.candidate) pc.addRemoteCandidate(m.candidate, m.sdpMid ?? '0');
  else if (m.type === 'bye') finish();
});
rl.on('close', finish);
