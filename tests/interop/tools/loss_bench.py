#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Times csctp<->usrsctp against usrsctp<->usrsctp at one loss rate over several seeds.

usage: loss_bench.py BUILD_DIR LOSS SEED... (runs interop_test_usrsctp twice per seed, one after
the other, and prints each TIMES line and the medians; -1 means the direction did not finish)."""
import os, re, statistics, subprocess, sys

build, loss, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
exe = os.path.join(build, 'interop_test_usrsctp')
tests = (('csctp', 'usrsctp/messages_both_ways_5pct_loss'), ('usrsctp', 'usrsctp/sanity_usrsctp_to_usrsctp'))
res = {k: [] for k, _ in tests}
for seed in seeds:
    for key, flt in tests:
        env = dict(os.environ, CSCTP_INTEROP_LOSS=loss, CSCTP_INTEROP_SEED=seed)
        p = subprocess.run([exe, '--filter', flt, '-j1'], env=env, capture_output=True, text=True)
        m = re.search(r'TIMES .*?: (\S+)->(\S+) (-?[\d.]+) s, (\S+)->(\S+) (-?[\d.]+) s', p.stderr)
        ok = 'Synthesis: Tested: 1 | Passing: 1' in p.stderr
        if not m:
            print(f'seed {seed} {key}: no TIMES line (rc {p.returncode})', flush=True)
            continue
        a, b = float(m.group(3)), float(m.group(6))
        res[key].append((a, b))
        print(f'seed {seed} {key:8}: {m.group(1)}->{m.group(2)} {a:6.2f} s  {m.group(4)}->{m.group(5)} {b:6.2f} s  {"ok" if ok else "FAILED"}', flush=True)
for key, v in res.items():
    if not v: continue
    fin = lambda x: x if x >= 0 else float('inf')
    print(f'median {key:8} (n={len(v)}): into e0 {statistics.median(fin(a) for a, _ in v):.2f} s, '
          f'into e1 {statistics.median(fin(b) for _, b in v):.2f} s, slower direction '
          f'{statistics.median(max(fin(a), fin(b)) for a, b in v):.2f} s')
