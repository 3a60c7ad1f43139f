#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Usage: python3 trace_sackbatch.py LOG.sum   (LOG.sum from trace_sum.py)
# For each receiver: batches of DATA packets it got before it wrote, and the SACKs it sent for each
# (a SACK bundled with DATA counts), split by whether the batch was in order (no gap, no duplicate).
# RFC 9260 §6.2 asks for a SACK for at least every second packet; a receiver that reads a batch of
# packets before writing may answer a whole batch with one SACK, whose loss leaves the sender to T3.
# Also: what a sender did after each T3-like silence (>80 ms): packets sent before the peer's next
# delivered SACK.
import re, sys, collections

rows = []
for l in open(sys.argv[1]):
    p = l.rstrip('\n').split(' ', 2)
    if len(p) < 3: continue
    h, m, s = p[0].split(':'); t = int(h) * 3600 + int(m) * 60 + float(s)
    drop = p[2].startswith('X ')
    rows.append((t, p[1], drop, p[2][2:] if drop else p[2]))

for d, rd in (('U>C', 'C>U'), ('C>U', 'U>C')):
    # a batch: DATA packets delivered in d, then the SACKs rd sent before the next one
    cum = None; got = set(); run = 0; lossy = False; sacks = 0
    hist = {'in order': collections.Counter(), 'with loss': collections.Counter()}
    def close():
        if run: hist['with loss' if lossy else 'in order'][(min(run, 6), min(sacks, 6))] += 1
    for t, dd, drop, rest in rows:
        if dd == rd and 'SACK' in rest:
            sacks += 1
            continue
        if dd != d or drop: continue
        ds = [int(x, 16) for x in re.findall(r'\bD([0-9a-f]+)/', rest)]
        if not ds: continue
        if sacks:
            close(); run = 0; lossy = False; sacks = 0
        if cum is None: cum = min(ds) - 1
        if any(x <= cum or x in got for x in ds): lossy = True
        for x in ds:
            if x > cum: got.add(x)
        while cum + 1 in got: cum += 1; got.discard(cum)
        if got: lossy = True
        run += 1
    close()
    for k, h in hist.items():
        b = sum(h.values()); pk = sum(r * c for (r, _), c in h.items())
        sk = sum(s_ * c for (_, s_), c in h.items())
        one = sum(c for (r, s_), c in h.items() if r >= 2 and s_ == 1)
        print(f"receiver of {d}, batches {k}: {b} batches, {pk} packets, {sk} SACKs; "
              f"batches of 2+ packets answered by one SACK: {one}")

for d, rd in (('C>U', 'U>C'), ('U>C', 'C>U')):
    last = None; hist = collections.Counter(); n = len(rows)
    for i, (t, dd, drop, rest) in enumerate(rows):
        if dd != d or not re.search(r'\bD[0-9a-f]+/', rest): continue
        if last is not None and t - last > 0.08:
            k = 0
            for tt, d2, dr2, r2 in rows[i:]:
                if d2 == rd and 'SACK' in r2 and not dr2: break
                if tt - t > 0.05: break
                if d2 == d and re.search(r'\bD[0-9a-f]+/', r2): k += 1
            hist[k] += 1
        last = t
    print(f"sender {d}: packets sent after a T3-like silence before a delivered SACK: "
          f"{dict(sorted(hist.items()))}")
