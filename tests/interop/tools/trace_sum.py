#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Usage: python3 trace_sum.py LOG > LOG.sum   (LOG: a CSCTP_INTEROP_TRACE=1 run of an interop test;
# C>U = packets of the first endpoint e[0], U>C = the second; X = dropped by the seeded loss).
# The other trace_*.py read LOG.sum: ana (per-sender totals), gaps (silences and what ended them),
# t3 (what follows a timeout), rcv (SACKs a receiver owed vs sent), backoff (RTO kept after progress).
import re,sys
# Summarise a CSCTP_INTEROP_TRACE log: one line per packet.
hdr=None
def u16(b,o): return b[o]<<8|b[o+1]
def u32(b,o): return b[o]<<24|b[o+1]<<16|b[o+2]<<8|b[o+3]
names={0:'DATA',1:'INIT',2:'INITACK',3:'SACK',4:'HB',5:'HBACK',6:'ABORT',7:'SHUT',8:'SHUTACK',9:'ERR',10:'CE',11:'CA',14:'SHUTC',130:'RECONF',192:'FWD'}
for l in open(sys.argv[1],'rb').read().decode('latin1').split('\n'):
    if l.startswith('# '): hdr=l[2:]; continue
    m=re.match(r'^([IO]) (\S+) 0000 (.*?)( #.*)?$',l)
    if not m or hdr is None: continue
    b=bytes.fromhex(m.group(3).replace(' ',''))
    d='C>U' if hdr.startswith('csctp') or hdr.startswith('usrsctp-a') else 'U>C'
    drop=' X' if 'dropped' in hdr else ''
    off=12; cs=[]
    while off+4<=len(b):
        t=b[off]; fl=b[off+1]; cl=u16(b,off+2)
        if t==0: cs.append('D%x/s%d/n%d/p%x/l%d%s%s'%(u32(b,off+4),u16(b,off+8),u16(b,off+10),u32(b,off+12)&0xffff,cl-16,'U' if fl&4 else '', {3:'',2:'B',1:'E',0:'M'}[fl&3]))
        elif t==3:
            ng=u16(b,off+12); nd=u16(b,off+14)
            gaps=[(u16(b,off+16+4*i),u16(b,off+18+4*i)) for i in range(ng)]
            cs.append('SACK cum %x a_rwnd %d gaps %s dups %d'%(u32(b,off+4),u32(b,off+8),gaps,nd))
        elif t==192:
            cs.append('FWD %x %s'%(u32(b,off+4),[(u16(b,off+8+4*i),u16(b,off+10+4*i)) for i in range((cl-8)//4)]))
        elif t==130:
            p=off+4; ps=[]
            while p+4<=off+cl:
                pt=u16(b,p); pl=u16(b,p+2)
                if pt==13: ps.append('OUTREQ seq %x resp %x last %x streams %s'%(u32(b,p+4),u32(b,p+8),u32(b,p+12),[u16(b,p+16+2*i) for i in range((pl-16)//2)]))
                elif pt==14: ps.append('INREQ seq %x streams %s'%(u32(b,p+4),[u16(b,p+8+2*i) for i in range((pl-8)//2)]))
                elif pt==16: ps.append('RESP seq %x result %d'%(u32(b,p+4),u32(b,p+8)))
                else: ps.append('param%d'%pt)
                p+=(pl+3)&~3
            cs.append('RECONF '+'; '.join(ps))
        else: cs.append(names.get(t,'t%d'%t))
        if cl<4: break
        off+=(cl+3)&~3
    print(m.group(2),d+drop,' '.join(cs))
