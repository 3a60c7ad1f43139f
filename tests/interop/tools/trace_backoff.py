# SPDX-License-Identifier: MIT
import sys,re,collections
rows=[]
for l in open(sys.argv[1]):
    p=l.rstrip('\n').split(' ',2)
    if len(p)<3: continue
    h,m,s=p[0].split(':'); t=int(h)*3600+int(m)*60+float(s)
    rest=p[2]; drop=rest.startswith('X ')
    rows.append((t,p[1],drop,rest[2:] if drop else rest))
for d,rd in (('C>U','U>C'),('U>C','C>U')):
    last=None; cum=None; cum_at_t3=None; res=collections.Counter()
    for t,dd,drop,rest in rows:
        if dd==rd and not drop:
            m=re.search(r'SACK cum ([0-9a-f]+)',rest)
            if m:
                c=int(m.group(1),16)
                if cum is None or c>cum: cum=c
        if dd!=d: continue
        if not re.search(r'\bD[0-9a-f]+/',rest): continue
        if last is not None and t-last>0.08:
            g=t-last; prog=(cum-cum_at_t3) if (cum_at_t3 is not None and cum is not None) else None
            if prog is not None:
                key=('>=0.2s' if g>0.15 else '0.1s')+(' after progress>=10' if prog>=10 else ' after little progress')
                res[key]+=1
            cum_at_t3=cum
        last=t
    print(d,dict(sorted(res.items())))
