// SPDX-License-Identifier: MIT
// Unit test of the demo page's progress arithmetic: node --test tools/demo/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const P = require('./progress.js');

test('units', () => {
  assert.equal(P.fmtBytes(0), '0 B');
  assert.equal(P.fmtBytes(999), '999 B');
  assert.equal(P.fmtBytes(1500), '1.5 kB');
  assert.equal(P.fmtBytes(16 << 20), '16.8 MB');
  assert.equal(P.fmtBytes(2.5e9), '2.50 GB');
  assert.equal(P.fmtCount(16777216), '16,777,216');
  assert.equal(P.fmtCount(999), '999');
  assert.equal(P.fmtRate(null), '—');
  assert.equal(P.fmtRate(NaN), '—');
  assert.equal(P.fmtRate(50e3), '50.0 kB/s');
  assert.equal(P.fmtRate(12.34e6), '12.3 MB/s');
});

test('ETA', () => {
  assert.equal(P.fmtEta(Infinity), '—');
  assert.equal(P.fmtEta(0.3), '< 1 s');
  assert.equal(P.fmtEta(41.2), '42 s');
  assert.equal(P.fmtEta(185), '3 min 05 s');
  assert.equal(P.fmtEta(3720), '1 h 02 min');
  assert.equal(P.eta(10e6, 5e6), 2);
  assert.equal(P.eta(10e6, 0), Infinity);
  assert.equal(P.eta(10e6, null), Infinity);
  assert.equal(P.eta(0, null), 0);
});

test('percentage: rounded down, 100 only when complete', () => {
  assert.equal(P.fmtPercent(0, 100), '0.0 %');
  assert.equal(P.fmtPercent(423, 1000), '42.3 %');
  assert.equal(P.fmtPercent(9999, 10000), '99.9 %');
  assert.equal(P.fmtPercent(10000, 10000), '100.0 %');
  assert.equal(P.fmtPercent(0, 0), '100.0 %');
});

test('rate meter: null at first, then converges on a steady rate, follows a change smoothly', () => {
  const m = new P.RateMeter(1.5, 0.2);
  assert.equal(m.update(0, 0), null);
  assert.equal(m.update(1e6, 0.1), null); // closer than minDt: skipped
  let r = m.update(2e6, 0.25);
  assert.ok(Math.abs(r - 8e6) < 1);          // first interval taken as it is
  for (let t = 0.5, b = 4e6; t <= 10; t += 0.25, b += 2e6) r = m.update(b, t);
  assert.ok(Math.abs(r - 8e6) < 1e3, String(r));
  // The rate halves: one sample later the estimate is between the two, not at the new one.
  let b = 4e6 + 38 * 2e6; // the last count of the loop above
  r = m.update(b + 1e6, 10.25);
  assert.ok(r < 8e6 && r > 4e6, String(r));
  for (let t = 10.5, bb = b + 2e6; t <= 25; t += 0.25, bb += 1e6) r = m.update(bb, t);
  assert.ok(Math.abs(r - 4e6) < 1e4, String(r));
});

test('a direction line', () => {
  assert.equal(P.describe(4e6, 16e6, 2e6), '25.0 % · 4.0 MB of 16.0 MB · 2.0 MB/s · ETA 6 s');
  assert.equal(P.describe(0, 16e6, null), '0.0 % · 0 B of 16.0 MB · — · ETA —');
  assert.equal(P.describe(16e6, 16e6, 2e6), '100.0 % · 16.0 MB of 16.0 MB');
});
