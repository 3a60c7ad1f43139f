#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""GStreamer webrtcbin in the browser's role against a peer that follows the contract of
../shared/interop (csctp-peer; libwebrtc's wrtc_echo.mjs for comparison).

    driver.py --peer CMD [--only A,B] [--skip A,B] [--direction gst-offers|peer-offers|both]
              [--bulk-mib N] [--compare-peer CMD] [--log-dir DIR] [--list]

Every scenario runs in a child process of its own (``driver.py --child ...``) with a fresh
webrtcbin pipeline and a fresh peer process, in one process group that is killed when the
child exceeds its deadline: a hung or crashed webrtcbin costs that scenario only, and the
run ends by itself. One line per scenario (PASS/FAIL/XFAIL name [direction] (time): figures),
then a summary; exit status 1 on any FAIL.
"""

import argparse
import hashlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 10.0  # seconds for every signalling step, channel open, echo and close



class ScenarioFail(Exception):
    pass


class XFail(Exception):
    """A known webrtcbin bug, raised by a scenario only when it saw that bug's exact symptom
    (anything else is a FAIL); the message names the bug."""


# ================================================================ child: one scenario

def child_main(args):
    import gi
    gi.require_version('Gst', '1.0')
    gi.require_version('GstWebRTC', '1.0')
    gi.require_version('GstSdp', '1.0')
    from gi.repository import Gst, GstWebRTC, GstSdp, GLib
    try:
        gi.require_version('Nice', '0.1')
        from gi.repository import Nice
    except (ValueError, ImportError):
        Nice = None
    Gst.init(None)
    import ctypes
    _gobject = ctypes.CDLL('libgobject-2.0.so.0')
    _gobject.g_object_ref.argtypes = [ctypes.c_void_p]
    _gobject.g_object_ref.restype = ctypes.c_void_p
    ctypes.pythonapi.PyCapsule_GetPointer.restype = ctypes.c_void_p
    ctypes.pythonapi.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]

    def gobject_ref(o):
        _gobject.g_object_ref(ctypes.pythonapi.PyCapsule_GetPointer(o.__gpointer__, None))

    t0 = time.monotonic()
    figures = {}
    log_path = os.path.join(args.log_dir, f'{args.child}-{args.direction}.peer.log') if args.log_dir else os.devnull

    # ------------------------------------------------------------ the peer process
    class Peer:
        def __init__(self, cmd, offer):
            self.q = queue.Queue()
            self.log = open(log_path, 'wb')
            env = dict(os.environ)
            # the peer runs in this child's process group: killed with it on a deadline
            self.p = subprocess.Popen(['/bin/sh', '-c', cmd + (' --offer' if offer else '')],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=self.log, env=env)
            self.lock = threading.Lock()
            threading.Thread(target=self._reader, daemon=True).start()

        def _reader(self):
            for line in self.p.stdout:
                line = line.decode('utf-8', 'replace').strip()
                if not line:
                    continue
                try:
                    msg = json.loads(line)
                    if not isinstance(msg, dict) or not isinstance(msg.get('type'), str):
                        raise ValueError
                except ValueError:
                    msg = {'type': '_bad', 'line': line}
                self.q.put(msg)
            self.q.put({'type': '_eof'})

        def send(self, obj):
            with self.lock:
                try:
                    self.p.stdin.write((json.dumps(obj) + '\n').encode())
                    self.p.stdin.flush()
                except (BrokenPipeError, ValueError):
                    pass

        def recv(self, types, timeout=STEP):
            end = time.monotonic() + timeout
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    raise ScenarioFail(f'peer: no {"/".join(types)} within {timeout:.0f} s')
                try:
                    msg = self.q.get(timeout=left)
                except queue.Empty:
                    continue
                if msg['type'] == '_bad':
                    raise ScenarioFail(f'peer wrote a non-JSON line on stdout: {msg["line"][:120]!r}')
                if msg['type'] == '_eof':
                    raise ScenarioFail(f'peer exited (status {self.p.wait()}) before {"/".join(types)}')
                if msg['type'] in types:
                    return msg
                if msg['type'] == 'candidate':
                    self.pending_candidates.append(msg)

        pending_candidates = []

        def stop(self):
            self.send({'type': 'bye'})
            try:
                self.p.stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass
            try:
                return self.p.wait(3)
            except subprocess.TimeoutExpired:
                pass
            self.p.terminate()  # by PID: /bin/sh exec's the command when it is simple
            try:
                return self.p.wait(2)
            except subprocess.TimeoutExpired:
                self.p.kill()
                return self.p.wait()

        def tail(self, n=8):
            try:
                with open(log_path, 'rb') as f:
                    lines = f.read().decode('utf-8', 'replace').splitlines()
                return lines[-n:]
            except OSError:
                return []

    # ------------------------------------------------------------ webrtcbin side
    class Chan:
        """A webrtcbin data channel with thread-safe queues for what it reports."""

        def __init__(self, dc):
            self.dc = dc
            self.msgs = queue.Queue()
            self.opened = threading.Event()
            self.closed = threading.Event()
            self.low = threading.Event()
            self.errors = []
            dc.connect('on-open', lambda d: self.opened.set())
            dc.connect('on-close', lambda d: self.closed.set())
            dc.connect('on-error', lambda d, e: self.errors.append(str(e)))
            dc.connect('on-message-string', self._on_str)
            dc.connect('on-message-data', self._on_data)
            dc.connect('on-buffered-amount-low', lambda d: self.low.set())
            st = dc.get_property('ready-state')
            if st == GstWebRTC.WebRTCDataChannelState.OPEN:
                self.opened.set()
            elif st == GstWebRTC.WebRTCDataChannelState.CLOSED:
                self.closed.set()

        def _on_str(self, dc, s):
            self.msgs.put(('s', '' if s is None else s))

        def _on_data(self, dc, b):
            self.msgs.put(('b', b'' if b is None else bytes(b.get_data() or b'')))

        @property
        def label(self):
            return self.dc.get_property('label')

        @property
        def id(self):
            return self.dc.get_property('id')

        def wait_open(self, timeout=STEP):
            if not self.opened.wait(timeout):
                raise ScenarioFail(f'channel {self.label!r} not open within {timeout:.0f} s '
                                   f'(state {self.dc.get_property("ready-state").value_nick})')

        def send_str(self, s):
            try:
                ok = self.dc.send_string_full(s)
            except GLib.Error as e:
                raise ScenarioFail(f'send_string on {self.label!r}: {e.message}')
            if ok is False:
                raise ScenarioFail(f'send_string on {self.label!r} refused')

        def send_bin(self, b):
            try:
                ok = self.dc.send_data_full(GLib.Bytes.new(b))
            except GLib.Error as e:
                raise ScenarioFail(f'send_data on {self.label!r}: {e.message}')
            if ok is False:
                raise ScenarioFail(f'send_data on {self.label!r} refused')

        def recv(self, timeout=STEP, what='a message'):
            try:
                return self.msgs.get(timeout=timeout)
            except queue.Empty:
                raise ScenarioFail(f'channel {self.label!r}: no {what} within {timeout:.0f} s')

        def ask(self, q, timeout=STEP):
            self.send_str(q)
            while True:
                kind, v = self.recv(timeout, f'answer to {q!r}')
                if kind == 's':
                    return v

        def info(self):
            return json.loads(self.ask('info?'))

    class Conn:
        def __init__(self, peer_offers):
            self.peer_offers = peer_offers
            self.pipe = Gst.Pipeline.new('p')
            self.w = Gst.ElementFactory.make('webrtcbin', 'w')
            self.w.set_property('bundle-policy', GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
            self.pipe.add(self.w)
            self.remote_chans = queue.Queue()
            self.errors = []
            self.gathered = threading.Event()
            self.local_cands = []
            self.sent_sdp = False
            self.cand_lock = threading.Lock()
            agent = self.w.get_property('ice-agent')
            # webrtcbin 1.22 bug: its GstWebRTCNice "ice-agent" is still floating (never
            # ref_sink'ed), so the first binding that reads the property sinks webrtcbin's own
            # reference and frees the agent when its wrapper goes: webrtcbin then crashes
            # (gst_webrtc_ice_add_stream: assertion 'GST_IS_WEBRTC_ICE (ice)' failed, SIGSEGV).
            # Give webrtcbin its reference back.
            if agent.ref_count == 1:
                gobject_ref(agent)
            self.agent = agent
            agent.set_property('ice-tcp', False)  # the peer is UDP only
            # libnice leaves loopback out when it enumerates interfaces; give it 127.0.0.1 as its
            # only address (inside the private network namespace lo is all there is anyway)
            if Nice is not None:
                nice = agent.get_property('agent')
                a = Nice.Address.new()
                a.set_from_string('127.0.0.1')
                nice.add_local_address(a)
            self.w.connect('on-ice-candidate', self._on_cand)
            self.w.connect('notify::ice-gathering-state', self._on_gathering)
            self.w.connect('on-data-channel', lambda w, dc: self.remote_chans.put(Chan(dc)))
            bus = self.pipe.get_bus()
            self.bus = bus
            self.pipe.set_state(Gst.State.PLAYING)

        def _on_cand(self, w, mline, cand):
            if ' 127.0.0.1 ' not in cand or ' udp ' not in cand.lower():
                return
            with self.cand_lock:
                self.local_cands.append(cand)
                if self.sent_sdp:
                    peer.send({'type': 'candidate', 'candidate': cand, 'sdpMid': '0',
                               'sdpMLineIndex': 0})

        def _on_gathering(self, w, pspec):
            if w.get_property('ice-gathering-state') == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
                self.gathered.set()

        def check_bus(self):
            while True:
                m = self.bus.pop_filtered(Gst.MessageType.ERROR)
                if not m:
                    return
                err, dbg = m.parse_error()
                self.errors.append(f'{err.message} ({dbg.splitlines()[0] if dbg else ""})')

        def _promise(self, action, *a):
            p = Gst.Promise.new()
            self.w.emit(action, *a, p)
            res = p.wait()
            if res != Gst.PromiseResult.REPLIED:
                raise ScenarioFail(f'webrtcbin {action}: promise {res.value_nick}')
            return p.get_reply()

        def _desc(self, kind, text):
            res, msg = GstSdp.SDPMessage.new_from_text(text)
            if res != GstSdp.SDPResult.OK:
                raise ScenarioFail(f'cannot parse the peer\'s SDP {kind}')
            t = GstWebRTC.WebRTCSDPType.OFFER if kind == 'offer' else GstWebRTC.WebRTCSDPType.ANSWER
            return GstWebRTC.WebRTCSessionDescription.new(t, msg)

        def _set_remote(self, kind, sdp):
            sdp = ''.join(l + '\r\n' for l in sdp.replace('\r\n', '\n').split('\n')
                          if l and (not l.startswith('a=candidate:') or
                                    (' 127.0.0.1 ' in l and ' udp ' in l.lower())))
            self.remote_sdp = sdp
            r = self._promise('set-remote-description', self._desc(kind, sdp))
            if r is not None and r.has_field('error'):
                raise ScenarioFail(f'set-remote-description: {r.get_value("error").message}')

        def _local(self, kind):
            r = self._promise('create-' + kind, None)
            if r is None or not r.has_field(kind):
                err = r.get_value('error').message if r is not None and r.has_field('error') else '?'
                raise ScenarioFail(f'webrtcbin create-{kind}: {err}')
            desc = r.get_value(kind)
            self._promise('set-local-description', desc)
            # complete descriptions, as the harness sends them: wait (bounded) for gathering
            self.gathered.wait(5)
            sdp = self.w.get_property('local-description').sdp.as_text()
            with self.cand_lock:
                have = set(l[2:] for l in sdp.splitlines() if l.startswith('a=candidate:'))
                extra = [c for c in self.local_cands if c not in have]
                self.sent_sdp = True
            self.local_sdp = sdp
            if os.environ.get('GST_DRIVER_SDP'):
                sys.stderr.write(f'local {kind}:\n{sdp}\n')
            peer.send({'type': kind, 'sdp': sdp})
            for c in extra:
                peer.send({'type': 'candidate', 'candidate': c, 'sdpMid': '0', 'sdpMLineIndex': 0})
            if self.gathered.is_set():
                peer.send({'type': 'candidate', 'candidate': '', 'sdpMid': '0', 'sdpMLineIndex': 0})

        def _remote_cands(self):
            for m in peer.pending_candidates:
                if m.get('candidate') and ' 127.0.0.1 ' in m['candidate'] and ' udp ' in m['candidate'].lower():
                    self.w.emit('add-ice-candidate', m.get('sdpMLineIndex', 0), m['candidate'])
            peer.pending_candidates.clear()

        def create(self, label, **opts):
            fields = []
            for k, v in opts.items():
                k = k.replace('_', '-')
                if isinstance(v, bool):
                    fields.append(f'{k}=(boolean){"true" if v else "false"}')
                elif isinstance(v, int):
                    fields.append(f'{k}=(int){v}')
                else:
                    fields.append(f'{k}=(string)"{v}"')
            st = Gst.Structure.from_string('application/data-channel' + ''.join(', ' + f for f in fields))[0] \
                if fields else None
            dc = self.w.emit('create-data-channel', label, st)
            if dc is None:
                raise ScenarioFail(f'webrtcbin refused to create channel {label!r} {opts}')
            return Chan(dc)

        def connect(self, negotiated=()):
            """Offer/answer; returns the first channel once open (ours when webrtcbin offers,
            the peer's "offerer" channel when the peer offers)."""
            for n in negotiated:
                peer.send(dict(n, type='negotiated'))
            if not self.peer_offers:
                first = self.create('first')
                self._local('offer')
                ans = peer.recv(('answer',))
                self._set_remote('answer', ans['sdp'])
                self._remote_cands()
            else:
                off = peer.recv(('offer',))
                self._set_remote('offer', off['sdp'])
                self._local('answer')
                self._remote_cands()
                try:
                    first = self.remote_chans.get(timeout=STEP)
                except queue.Empty:
                    self.check_bus()
                    raise ScenarioFail('the peer\'s "offerer" channel never arrived' +
                                       (f' ({self.errors[0]})' if self.errors else ''))
            try:
                first.wait_open()
            except ScenarioFail as e:
                self.check_bus()
                raise ScenarioFail(f'{e}; ICE {self.w.get_property("ice-connection-state").value_nick}, '
                                   f'PC {self.w.get_property("connection-state").value_nick}' +
                                   (f'; {self.errors[0]}' if self.errors else ''))
            figures['open_ms'] = round((time.monotonic() - t0) * 1000)
            return first

        def max_message_sizes(self):
            def mms(sdp):
                m = re.search(r'a=max-message-size:(\d+)', sdp)
                return int(m.group(1)) if m else 65536
            return mms(self.local_sdp), mms(self.remote_sdp)

        def close(self):
            self.pipe.set_state(Gst.State.NULL)

    # ------------------------------------------------------------ checks
    def expect(ch, kind, value, what, timeout=STEP):
        k, v = ch.recv(timeout, what)
        if k != kind:
            raise ScenarioFail(f'{what}: got {"string" if k == "s" else "binary"} instead of '
                               f'{"string" if kind == "s" else "binary"}')
        if v != value:
            d = (lambda x: f'{len(x)} bytes sha256 {hashlib.sha256(x if isinstance(x, bytes) else x.encode()).hexdigest()[:12]}')
            raise ScenarioFail(f'{what}: echo differs ({d(v)} vs {d(value)})')

    def echo(ch, kind, value, what):
        (ch.send_str if kind == 's' else ch.send_bin)(value)
        expect(ch, kind, value, what)

    def info_matches(ch, **want):
        got = ch.info()
        bad = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
        if bad:
            raise ScenarioFail(f'info? differs: ' + ', '.join(f'{k} {g!r} (want {w!r})' for k, (g, w) in bad.items()))
        return got

    def new_open(c, label, **opts):
        ch = c.create(label, **opts)
        ch.wait_open()
        return ch

    def lossy(c, label, ordered, **opts):
        ch = new_open(c, label, ordered=ordered, **opts)
        want = {'ordered': ordered, 'maxRetransmits': opts.get('max_retransmits'),
                'maxPacketLifeTime': opts.get('max_packet_lifetime')}
        info_matches(ch, **want)
        n = 200
        for i in range(n):
            ch.send_bin(i.to_bytes(4, 'big') + bytes([i & 0xff]) * 996)
        seen, order_bad, last = set(), 0, -1
        end = time.monotonic() + 5
        while len(seen) < n:
            try:
                k, v = ch.msgs.get(timeout=max(0.01, min(1.0, end - time.monotonic())))
            except queue.Empty:
                if time.monotonic() >= end:
                    break
                continue
            if k != 'b' or len(v) != 1000:
                raise ScenarioFail(f'unexpected echo {k} {len(v)} bytes')
            i = int.from_bytes(v[:4], 'big')
            if v[4:] != bytes([i & 0xff]) * 996:
                raise ScenarioFail(f'echo {i} corrupted')
            if i in seen:
                raise ScenarioFail(f'echo {i} duplicated')
            if i < last:
                order_bad += 1
            last = max(last, i)
            seen.add(i)
        figures['echoed'] = f'{len(seen)}/{n}'
        if len(seen) < n * 0.9:
            raise ScenarioFail(f'only {len(seen)}/{n} echoed')
        if ordered and order_bad:
            raise ScenarioFail(f'{order_bad} echoes out of order on an ordered channel')
        figures['reordered'] = order_bad

    # ------------------------------------------------------------ scenarios
    def sc_text(c, first):
        # on the first channel (the peer's "offerer" one when it offered)
        for s in ('hello', 'h\u00e9llo w\u00f6rld \u2603 \U0001f600', 'x' * 1000):
            echo(first, 's', s, f'string of {len(s.encode())} bytes')
        if c.peer_offers:
            ch = new_open(c, 'gst-made')
            echo(ch, 's', 'on a channel webrtcbin opened', 'string on the answerer\'s channel')

    def sc_binary(c, first):
        for n in (1, 1000, 16384):
            echo(first, 'b', os.urandom(n), f'binary of {n} bytes')

    def sc_empty(c, first):
        # 1-byte forms first, on the first channel; then each empty form on a channel of its own
        echo(first, 's', 'a', '1-byte string')
        echo(first, 'b', b'\x00', '1-byte binary')
        broken = []
        for label, kind, send in (('empty-string', 's', lambda ch: ch.dc.send_string_full(None)),
                                  ('empty-binary', 'b', lambda ch: ch.dc.send_data_full(None)),
                                  ('empty-str-0', 's', lambda ch: ch.dc.send_string_full(''))):
            ch = new_open(c, label)
            try:
                send(ch)
            except GLib.Error as e:
                raise ScenarioFail(f'{label}: webrtcbin refused to send it: {e.message}')
            try:
                expect(ch, kind, '' if kind == 's' else b'', label, timeout=2)
                continue
            except ScenarioFail:
                if not (ch.closed.wait(1) and ch.errors):
                    raise
            broken.append(f'{label}: channel closed, "{ch.errors[0]}"')
        if broken:
            raise XFail('webrtcbin 1.22 cannot send an empty message: send_string(NULL), '
                        'send_data(NULL) and send_string("") all hand sctpenc a zero-length buffer '
                        '(RFC 8831 section 6.6 wants one zero byte with PPID 56/57), usrsctp refuses it, '
                        'sctpenc posts "Failed to send data" and webrtcbin closes the channel with '
                        'on-error; its PPIDs for the empty forms are also swapped (STRING_EMPTY = 57, '
                        'BINARY_EMPTY = 56 in webrtcdatachannel.h; RFC 8831 section 8: 56 / 57). '
                        + '; '.join(broken))

    def sc_small_1000(c, first):
        n = 1000
        t = time.monotonic()
        for i in range(n):
            if i % 2:
                first.send_str(f'msg {i}')
            else:
                first.send_bin(i.to_bytes(4, 'big'))
        for i in range(n):
            if i % 2:
                expect(first, 's', f'msg {i}', f'echo {i} of {n}')
            else:
                expect(first, 'b', i.to_bytes(4, 'big'), f'echo {i} of {n}')
        figures['msg_per_s'] = round(n / (time.monotonic() - t))

    def sc_64k(c, first):
        echo(first, 'b', os.urandom(65536), '64 KiB binary')
        echo(first, 's', 'y' * 65536, '64 KiB string')

    def sc_max_message(c, first):
        ours, theirs = c.max_message_sizes()
        n = min(ours, theirs)
        figures['webrtcbin_mms'] = ours
        figures['peer_mms'] = theirs
        figures['size'] = n
        echo(first, 'b', os.urandom(n), f'binary of {n} bytes (the largest both allow)')
        # webrtcbin -> peer: the peer's own limit, on a sink channel. webrtcbin 1.22 announces no
        # a=max-message-size (64 KiB, RFC 8841 section 6) and caps what it SENDS at the minimum of
        # its own and the peer's value (gstwebrtcbin.c, _update_data_channel_from_sdp_media), so a
        # message over 64 KiB is refused ("Requested to send data that is too large") although
        # the peer accepts it: reported as a figure, the size both allow is 64 KiB either way.
        sink = new_open(c, 'sink-big')
        try:
            ok = sink.dc.send_data_full(GLib.Bytes.new(os.urandom(theirs)))
            sent = theirs
        except GLib.Error as e:
            if 'too large' not in e.message:
                raise ScenarioFail(f'sink-big: {e.message}')
            figures['webrtcbin_refuses'] = theirs
            sink.send_bin(os.urandom(n))
            sent = n
        got = sink.ask('bytes?')
        if got != str(sent):
            raise ScenarioFail(f'sink-big: peer counted {got} bytes, want {sent}')
        figures['to_peer'] = sent

    def sc_unordered(c, first):
        lossy(c, 'unordered', False)

    def sc_rtx0(c, first):
        lossy(c, 'rtx0', False, max_retransmits=0)

    def sc_lifetime(c, first):
        lossy(c, 'lifetime', True, max_packet_lifetime=3000)

    def sc_negotiated(c, first):
        ch = neg_chan[0]
        ch.wait_open()
        echo(ch, 's', 'on stream 7', 'string on negotiated id 7')
        info_matches(ch, id=7, negotiated=True, label='neg-7')
        ch2 = neg_chan[1]
        ch2.wait_open()
        echo(ch2, 'b', b'\x01\x02', 'binary on negotiated id 1001 (unordered)')
        info_matches(ch2, id=1001, negotiated=True, ordered=False)

    def sc_many(c, first):
        n = 16
        chans = [c.create(f'many-{i}', protocol=f'proto-{i}') for i in range(n)]
        for ch in chans:
            ch.wait_open()
        for i, ch in enumerate(chans):
            ch.send_str(f'hello {i}')
        ids = set()
        for i, ch in enumerate(chans):
            expect(ch, 's', f'hello {i}', f'echo on channel {i}')
            info_matches(ch, label=f'many-{i}', protocol=f'proto-{i}', id=ch.id)
            ids.add(ch.id)
        if len(ids) != n:
            raise ScenarioFail(f'{n} channels but {len(ids)} distinct ids')
        figures['channels'] = n

    def close_then_new(c, ch, how):
        t = time.monotonic()
        if how == 'gst':
            ch.dc.close()
        else:
            ch.send_str('close!')
        if not ch.closed.wait(STEP):
            raise ScenarioFail(f'channel not closed within {STEP:.0f} s after {how} closed it '
                               f'(state {ch.dc.get_property("ready-state").value_nick})')
        figures['close_ms'] = round((time.monotonic() - t) * 1000)
        ch2 = new_open(c, 'after-close')
        echo(ch2, 's', 'still here', 'echo on a channel opened after the close')

    def sc_close_gst(c, first):
        close_then_new(c, new_open(c, 'to-close'), 'gst')

    def sc_close_peer(c, first):
        close_then_new(c, new_open(c, 'to-close'), 'peer')

    def sc_bulk(c, first):
        total = args.bulk_mib << 20
        chunk = 65536
        hi, lo = 4 << 20, 1 << 20
        ch = new_open(c, 'sink-bulk')
        ch.dc.set_property('buffered-amount-low-threshold', lo)
        payload = os.urandom(chunk)
        sent = 0
        stalls = 0
        t = time.monotonic()
        deadline = t + max(30, 2 * args.bulk_mib)
        while sent < total:
            if ch.dc.get_property('buffered-amount') > hi:
                ch.low.clear()
                if ch.dc.get_property('buffered-amount') > hi:
                    stalls += 1
                    if not ch.low.wait(max(0.1, deadline - time.monotonic())):
                        raise ScenarioFail(f'bulk stuck after {sent} bytes (buffered-amount '
                                           f'{ch.dc.get_property("buffered-amount")})')
                continue
            ch.send_bin(payload)
            sent += chunk
        got = ch.ask('bytes?', timeout=max(1, deadline - time.monotonic()))
        el = time.monotonic() - t
        if got != str(total):
            raise ScenarioFail(f'peer counted {got} bytes, want {total}')
        figures['MBps'] = round(total / el / 1e6, 2)
        figures['MiB'] = args.bulk_mib
        figures['seconds'] = round(el, 2)

    scenarios = {
        'text': sc_text, 'binary': sc_binary, 'empty': sc_empty, 'small-1000': sc_small_1000,
        '64k': sc_64k, 'max-message': sc_max_message, 'unordered': sc_unordered,
        'rtx0': sc_rtx0, 'lifetime': sc_lifetime, 'negotiated': sc_negotiated,
        'many': sc_many, 'close-gst': sc_close_gst, 'close-peer': sc_close_peer,
        'bulk': sc_bulk,
    }
    if args.child == '_names':
        print(json.dumps(list(scenarios)))
        return 0

    result = {'name': args.child, 'direction': args.direction}
    peer_offers = args.direction == 'peer-offers'
    peer = Peer(args.peer, peer_offers)
    c = None
    neg_chan = []
    try:
        c = Conn(peer_offers)
        negs = ()
        if args.child == 'negotiated':
            negs = ({'id': 7, 'label': 'neg-7', 'ordered': True},
                    {'id': 1001, 'label': 'neg-1001', 'ordered': False})
            neg_chan.append(c.create('neg-7', negotiated=True, id=7))
            neg_chan.append(c.create('neg-1001', negotiated=True, id=1001, ordered=False))
        first = c.connect(negs)
        scenarios[args.child](c, first)
        c.check_bus()
        result['status'] = 'PASS'
    except ScenarioFail as e:
        result['status'] = 'FAIL'
        result['reason'] = str(e)
    except XFail as e:
        result['status'] = 'XFAIL'
        result['reason'] = str(e)
    except Exception as e:  # a bug of the driver is a failure too, with its trace
        import traceback
        result['status'] = 'FAIL'
        result['reason'] = f'{type(e).__name__}: {e} @ ' + traceback.format_exc().splitlines()[-3].strip()
    result['figures'] = figures
    result['ms'] = round((time.monotonic() - t0) * 1000)
    rc = peer.stop()
    if result['status'] == 'FAIL':
        result['peer_tail'] = peer.tail()
    result['peer_exit'] = rc
    print('RESULT ' + json.dumps(result), flush=True)
    # webrtcbin 1.22 can hang in its teardown; the result is out, the parent kills us after a grace
    if c is not None:
        threading.Thread(target=c.close, daemon=True).start()
        time.sleep(0.3)
    os._exit(0)


# ================================================================ parent: the run

DIRS = ('gst-offers', 'peer-offers')


def run_child(args, name, direction, peer, timeout):
    cmd = [sys.executable, os.path.abspath(__file__), '--child', name, '--direction', direction,
           '--peer', peer, '--bulk-mib', str(args.bulk_mib)]
    if args.log_dir:
        cmd += ['--log-dir', args.log_dir]
    t = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    result = None
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)  # the child's own group: it, its peer, nothing else
        out, err = p.communicate()
        result = {'status': 'FAIL', 'reason': f'no result within {timeout} s (killed)'}
    for line in out.decode('utf-8', 'replace').splitlines():
        if line.startswith('RESULT '):
            result = json.loads(line[7:])
    try:
        os.killpg(p.pid, signal.SIGKILL)  # whatever of the group is still there after its result
    except ProcessLookupError:
        pass
    if result is None:
        tail = err.decode('utf-8', 'replace').strip().splitlines()[-3:]
        how = (f'killed by signal {-p.returncode} (a crash in webrtcbin or its libraries)'
               if p.returncode < 0 else f'exited with status {p.returncode}')
        result = {'status': 'FAIL', 'reason': f'scenario process {how} before its result'
                  + (': ' + ' | '.join(tail) if tail else '')}
    if args.log_dir:
        with open(os.path.join(args.log_dir, f'{name}-{direction}.driver.log'), 'wb') as f:
            f.write(err)
    result.setdefault('ms', round((time.monotonic() - t) * 1000))
    result.setdefault('figures', {})
    return result


def fmt_figures(f):
    return ', '.join(f'{k} {v}' for k, v in f.items())


def parent_main(args):
    names = json.loads(subprocess.run([sys.executable, os.path.abspath(__file__), '--child', '_names'],
                                      check=True, capture_output=True).stdout)
    if args.list:
        print('\n'.join(names))
        return 0
    sel = [n for n in names if (not args.only or n in args.only.split(','))
           and n not in (args.skip or '').split(',')]
    dirs = DIRS if args.direction == 'both' else (args.direction,)
    counts = {'PASS': 0, 'FAIL': 0, 'XFAIL': 0}
    opens = {d: [] for d in dirs}
    bulk = {}
    start = time.monotonic()
    opened = set()
    dead = {}  # direction -> why no channel ever opened (the rest of it is not run: FAIL)
    for name in sel:
        for d in dirs:
            timeout = 60 if name == 'bulk' else 25
            if d in dead:
                r = {'status': 'FAIL', 'ms': 0, 'figures': {},
                     'reason': f'not run: no connection in this direction (see {dead[d]})'}
            else:
                r = run_child(args, name, d, args.peer, timeout)
                if 'open_ms' in r['figures']:
                    opened.add(d)
                elif r['status'] == 'FAIL' and d not in opened:
                    dead[d] = name
            st = r['status']
            counts[st] += 1
            line = f'{st} {name} [{d}] ({r["ms"] / 1000:.2f} s)'
            if r['figures']:
                line += ': ' + fmt_figures(r['figures'])
            if st in ('FAIL', 'XFAIL'):
                line += f' -- {r.get("reason")}'
            print(line, flush=True)
            if st == 'FAIL':
                for l in r.get('peer_tail', []):
                    print(f'    peer: {l}', flush=True)
            if 'open_ms' in r['figures']:
                opens[d].append(r['figures']['open_ms'])
            if name == 'bulk' and 'MBps' in r['figures']:
                bulk[d] = r['figures']['MBps']
    if args.compare_peer and 'bulk' in sel:
        for d in dirs:
            r = run_child(args, 'bulk', d, args.compare_peer, 60)
            fig = r['figures']
            print(f'INFO bulk [{d}] against libwebrtc ({args.compare_peer.split()[-1]}): '
                  + (f'{fig["MBps"]} MB/s, open {fig.get("open_ms")} ms' if 'MBps' in fig
                     else f'failed: {r.get("reason")}'), flush=True)
            if 'MBps' in fig and d in bulk:
                print(f'INFO bulk [{d}] webrtcbin -> csctp-peer {bulk[d]} MB/s vs webrtcbin -> libwebrtc '
                      f'{fig["MBps"]} MB/s: ratio {bulk[d] / fig["MBps"]:.2f}', flush=True)
    for d in dirs:
        if opens[d]:
            o = sorted(opens[d])
            print(f'INFO time to first open [{d}]: median {o[len(o) // 2]} ms, min {o[0]} ms, max {o[-1]} ms '
                  f'over {len(o)} connections', flush=True)
    print(f'{counts["PASS"]} passed, {counts["FAIL"]} failed, {counts["XFAIL"]} expected failures '
          f'({time.monotonic() - start:.1f} s)', flush=True)
    return 1 if counts['FAIL'] else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--peer', default=os.environ.get('PEER_CMD', ''))
    ap.add_argument('--compare-peer', default='')
    ap.add_argument('--only')
    ap.add_argument('--skip')
    ap.add_argument('--direction', default='both', choices=('both',) + DIRS)
    ap.add_argument('--bulk-mib', type=int, default=32)
    ap.add_argument('--log-dir')
    ap.add_argument('--list', action='store_true')
    ap.add_argument('--child')
    args = ap.parse_args()
    if args.child:
        return child_main(args)
    if not args.peer and not args.list:
        ap.error('--peer CMD is required')
    if args.log_dir:
        os.makedirs(args.log_dir, exist_ok=True)
    return parent_main(args)


if __name__ == '__main__':
    sys.exit(main())
