// SPDX-License-Identifier: MIT
// What bulk.mjs and idle.mjs share (tests/webrtc/libdatachannel/driver.mjs, in another npm
// root, has its own copy of the filter).
import fs from 'node:fs';

// Only UDP host candidates on loopback (bindAddress already restricts gathering to 127.0.0.1;
// this filters in case of more).
export function loopbackOnly(sdp) {
  return sdp.split(/\r?\n/).filter((l) => {
    if (!l.startsWith('a=candidate:')) return true;
    const f = l.slice(2).split(' ');
    return f[2]?.toUpperCase() === 'UDP' && (f[4] === '127.0.0.1' || f[4] === '::1');
  }).join('\r\n');
}

// The installed node-datachannel's version (its package.json next to this file), or '?'.
export function ndcVersion() {
  try {
    const url = new URL('./node_modules/node-datachannel/package.json', import.meta.url);
    return JSON.parse(fs.readFileSync(url)).version;
  } catch {
    return '?';
  }
}
