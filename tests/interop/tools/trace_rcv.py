# SPDX-License-Identifier: MIT
import sys,re,collections
rows=[]
for l in open(sys.argv[1]):
    p=l.rstrip('\n').split(' ',2)
    if len(p)<3: continue
    rest=p[2]; drop=rest.startswith('X ')
    rows.append((p[1],drop,rest[2:] if drop else rest))
# receiver of direction d: who gets DATA in d and sends SACK in rd (count SACKs it sent, dropped or not)
for d,rd in (('U>C','C>U'),('C>U','U>C')):
    cum=None; got=set(); stats=collections.Counter(); pending=None
    for dd,drop,rest in rows:
        if dd==rd and 'SACK' in rest:
            if pending: stats[pending+' sacked']+=1; pending=None
            continue
        if dd!=d or drop: continue
        ds=[int(x,16) for x in re.findall(r'\bD([0-9a-f]+)/',rest)]
        fwd=re.search(r'FWD ([0-9a-f]+)',rest)
        if not ds: continue
        if pending: stats[pending+' not sacked']+=1; pending=None
        if cum is None: cum=min(ds)-1
        dup=any(x<=cum or x in got for x in ds)
        before_gap=any(x>cum for x in got)
        for x in ds:
            if x>cum: got.add(x)
        while cum+1 in got: cum+=1; got.discard(cum)
        after_gap=bool(got)
        kind='dup' if dup else ('gap_after' if after_gap else ('filled' if before_gap else 'inorder'))
        stats[kind]+=1; pending=kind
    n=sum(stats[k] for k in ("dup","gap_after","filled","inorder")); ns=sum(1 for dd,dr,r in rows if dd==rd and "SACK" in r); print(f"receiver of {d}: DATA pkts {n}: dup {stats['dup']} still-gap {stats['gap_after']} hole-filled {stats['filled']} in-order {stats['inorder']}; SACKs sent {ns}; owed at least {stats['dup']+stats['gap_after']+stats['filled']+stats['inorder']//2}")
