# SPDX-License-Identifier: MIT
import sys,re,statistics as S
# Per-sender analysis of a sum.py output: direction 'C>U' (e[0] sends) and 'U>C'.
rows=[]
for l in open(sys.argv[1]):
    p=l.rstrip('\n').split(' ',2)
    if len(p)<3: continue
    t=p[0]; h,m,s=t.split(':'); t=int(h)*3600+int(m)*60+float(s)
    rest=p[2]; drop=rest.startswith('X ')
    if drop: rest=rest[2:]
    rows.append((t,p[1],drop,rest))
def tsn_of(x): return int(x,16)
for d,rd in (('C>U','U>C'),('U>C','C>U')):
    sent={}; acked=set(); cum=None
    first=None; last_new=None; last_ack=None
    n_data=n_rtx=0; flights=[]; bursts=[]; lastsend=None; cur=None
    sacks_by_rcv=0; sacks_gap=0; data_pkts_rcvd=0
    rtx_after_idle=[]; idle_bursts=0
    for t,dd,drop,rest in rows:
        if dd==d:
            ds=re.findall(r'\bD([0-9a-f]+)/',rest)
            if not ds: continue
            if first is None: first=t
            gap = (t-lastsend) if lastsend else 0
            newburst = lastsend is None or gap>0.08
            if newburst:
                if cur: bursts.append(cur)
                cur={'t':t,'gap':gap,'rtx':0,'new':0,'pk':0}
            cur['pk']+=1
            for x in ds:
                v=tsn_of(x)
                if v in sent: n_rtx+=1; cur['rtx']+=1
                else: sent[v]=t; last_new=t; cur['new']+=1
                n_data+=1
            # flight: sent, not acked
            fl=sum(1 for v in sent if v not in acked and (cum is None or v>cum))
            flights.append(fl)
            lastsend=t
            if not drop: data_pkts_rcvd+=1
        elif dd==rd and not drop:
            m=re.search(r'SACK cum ([0-9a-f]+) a_rwnd \d+ gaps (\[.*?\])',rest)
            if m:
                sacks_by_rcv+=1
                c=tsn_of(m.group(1)); gaps=eval(m.group(2))
                if gaps: sacks_gap+=1
                if cum is None or c>cum: cum=c
                for a,b in gaps:
                    for k in range(a,b+1): acked.add(c+k)
                if sent and cum>=max(sent): last_ack=t
    if cur: bursts.append(cur)
    idle=[b for b in bursts if b['gap']>0.08]
    print(f"== sender {d}: duration {last_new-first:.1f}s (last new DATA), DATA chunks {n_data}, new {len(sent)}, rtx {n_rtx}")
    print(f"   flight (chunks outstanding at each send): median {S.median(flights):.0f} mean {S.mean(flights):.1f} p90 {sorted(flights)[int(.9*len(flights))]}")
    print(f"   sends after >80ms silence (T3-like): {len(idle)}; in the burst following: rtx chunks mean {S.mean([b['rtx'] for b in idle]) if idle else 0:.2f}, new chunks mean {S.mean([b['new'] for b in idle]) if idle else 0:.2f}, packets mean {S.mean([b['pk'] for b in idle]) if idle else 0:.2f}; silence total {sum(b['gap'] for b in idle):.1f}s")
    print(f"   receiver SACKs delivered {sacks_by_rcv} (with gaps {sacks_gap}) for {data_pkts_rcvd} DATA packets delivered: {sacks_by_rcv/max(1,data_pkts_rcvd):.2f} per packet")
