// SPDX-License-Identifier: MIT
// csctp demo: the arithmetic of the transfer display (smoothed rate, ETA, units), kept out of
// index.html so that node can test it (progress.test.cjs). A classic script: in the page it
// defines window.CsctpProgress; under node it is module.exports.
(function (root) {
  'use strict';

  // Sizes and rates in decimal units (1 MB = 10^6 bytes), as browsers and networks count them.
  function fmtBytes(n) {
    if (!Number.isFinite(n) || n < 0) return '—';
    if (n < 1e3) return Math.round(n) + ' B';
    if (n < 1e6) return (n / 1e3).toFixed(1) + ' kB';
    if (n < 1e9) return (n / 1e6).toFixed(1) + ' MB';
    return (n / 1e9).toFixed(2) + ' GB';
  }

  function fmtCount(n) { // 16777216 -> "16,777,216"
    return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  // Bytes per second -> "12.3 MB/s"; "—" while unknown.
  function fmtRate(bps) {
    if (bps == null || !Number.isFinite(bps) || bps < 0) return '—';
    if (bps < 1e5) return (bps / 1e3).toFixed(1) + ' kB/s';
    return (bps / 1e6).toFixed(1) + ' MB/s';
  }

  // An ETA or a duration in whole seconds, rounded up: "< 1 s", "42 s", "3 min 05 s", "1 h 02 min".
  function fmtEta(seconds) {
    if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '—';
    if (seconds < 1) return '< 1 s';
    const s = Math.ceil(seconds);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + String(s % 60).padStart(2, '0') + ' s';
    return Math.floor(s / 3600) + ' h ' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + ' min';
  }

  // Percentage with one decimal, rounded down: 100.0 only when everything is there.
  function fmtPercent(done, total) {
    if (!(total > 0)) return done >= total ? '100.0 %' : '0.0 %';
    const p = Math.floor((Math.min(done, total) * 1000) / total) / 10;
    return p.toFixed(1) + ' %';
  }

  // Seconds until `remaining` bytes are through at `rate` bytes/s (Infinity when unknown or 0).
  function eta(remaining, rate) {
    if (remaining <= 0) return 0;
    if (!(rate > 0)) return Infinity;
    return remaining / rate;
  }

  // A rate smoothed by an exponentially weighted moving average with time constant `tau`
  // seconds, fed with cumulative byte counts and timestamps in seconds. Samples closer than
  // `minDt` are skipped; the rate is null until the first full interval.
  class RateMeter {
    constructor(tau = 1.5, minDt = 0.2) {
      this.tau = tau; this.minDt = minDt;
      this.t = null; this.bytes = 0; this.rate = null;
    }
    update(bytes, t) {
      if (this.t === null) { this.t = t; this.bytes = bytes; return this.rate; }
      const dt = t - this.t;
      if (dt < this.minDt) return this.rate;
      const inst = (bytes - this.bytes) / dt;
      const a = 1 - Math.exp(-dt / this.tau);
      this.rate = this.rate === null ? inst : this.rate + a * (inst - this.rate);
      this.t = t; this.bytes = bytes;
      return this.rate;
    }
  }

  // One direction's line: "42.3 % · 7.1 of 16.8 MB · 5.2 MB/s · ETA 2 s".
  function describe(done, total, rate) {
    const parts = [fmtPercent(done, total), fmtBytes(done) + ' of ' + fmtBytes(total)];
    if (done >= total) return parts.join(' · ');
    parts.push(fmtRate(rate), 'ETA ' + fmtEta(eta(total - done, rate)));
    return parts.join(' · ');
  }

  const api = { fmtBytes, fmtCount, fmtRate, fmtEta, fmtPercent, eta, RateMeter, describe };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.CsctpProgress = api;
})(typeof window !== 'undefined' ? window : globalThis);
