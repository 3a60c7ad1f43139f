# SPDX-License-Identifier: MIT
import sys,re,collections,statistics as S
rows=[]
for l in open(sys.argv[1]):
    p=l.rstrip('\n').split(' ',2)
    if len(p)<3: continue
    h,m,s=p[0].split(':'); t=int(h)*3600+int(m)*60+float(s)
    rest=p[2]; drop=rest.startswith('X ')
    rows.append((t,p[1],drop,rest[2:] if drop else rest))
for d,rd in (('C>U','U>C'),('U>C','C>U')):
    last=None; t3s=[]; cur=None; seen=set()
    for t,dd,drop,rest in rows:
        if cur and t-cur['t']>0.03: t3s.append(cur); cur=None
        if dd==rd and not drop and 'SACK' in rest and cur: cur['sacks']+=1
        if dd!=d: continue
        ds=re.findall(r'\bD([0-9a-f]+)/',rest)
        if not ds: continue
        if last is not None and t-last>0.08 and cur is None:
            cur={'t':t,'pk1ms':0,'rtx1ms':0,'pk30':0,'rtx30':0,'new30':0,'sacks':0}
        if cur:
            r=sum(1 for x in ds if int(x,16) in seen)
            if t-cur['t']<0.001: cur['pk1ms']+=1; cur['rtx1ms']+=r
            cur['pk30']+=1; cur['rtx30']+=r; cur['new30']+=len(ds)-r
        for x in ds: seen.add(int(x,16))
        last=t
    f=lambda k: S.mean(c[k] for c in t3s)
    print(f"{d}: T3-like events {len(t3s)}: within 1 ms: {f('pk1ms'):.2f} pkts / {f('rtx1ms'):.2f} rtx chunks; within 30 ms: {f('pk30'):.2f} pkts, {f('rtx30'):.2f} rtx + {f('new30'):.2f} new chunks, peer SACKs delivered {f('sacks'):.2f}")
