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
    last=None; lastsack=None; hist=collections.Counter(); trig=collections.Counter(); tot=collections.Counter()
    rtx_first=collections.Counter()
    seen=set()
    for t,dd,drop,rest in rows:
        if dd==rd and not drop and 'SACK' in rest: lastsack=t
        if dd==d:
            ds=re.findall(r'\bD([0-9a-f]+)/',rest)
            if not ds: continue
            if last is not None and t-last>0.08:
                g=t-last
                b=min([0.1,0.2,0.4,0.8,1.6,3.2],key=lambda x:abs(x-g))
                hist[b]+=1; tot[b]+=g
                k='after SACK' if lastsack and t-lastsack<0.005 else 'timer'
                trig[k]+=1
                rtx_first['rtx' if int(ds[0],16) in seen else 'new']+=1
            for x in ds: seen.add(int(x,16))
            last=t
    print(d,'silences ~bucket: count/total s:',{k:(hist[k],round(tot[k],1)) for k in sorted(hist)},'resumed',dict(trig),'first chunk',dict(rtx_first))
