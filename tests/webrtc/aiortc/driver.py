#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""aiortc 1.4 in the browser's role against csctp-peer (issue 12).

    driver.py CSCTP_PEER SCRATCH_DIR [--only A,B] [--skip A,B] [--repeat N] [--bulk-mib N]
                                     [--direction answer|offer|both] [--verbose]

csctp-peer follows the peer contract of ../shared/interop/README.md (JSON lines on
stdin/stdout). Every scenario runs on a fresh RTCPeerConnection and a fresh csctp-peer,
in both offer directions:

  answer  aiortc offers, csctp-peer answers (aiortc opens the first channel, "first")
  offer   csctp-peer --offer offers, aiortc answers (the first channel is csctp's "offerer")

One line per scenario and direction, "PASS|FAIL|XFAIL name/direction (time): figures",
then a summary; exit status 1 on any FAIL. The full stderr of each csctp-peer goes to
SCRATCH_DIR/<scenario>-<direction>.log (CSCTP_DEBUG in the environment reaches it).

aiortc 1.4 bugs met here (each named on the line where it shows):
  - it picks its channel ids by ICE role (controlled: even, controlling: odd) instead of
    by DTLS role (RFC 8832 section 6: the DTLS client takes even ids). When aiortc
    answers a csctp offer and still ends up ICE-controlling (an ICE role conflict it won),
    it opens its channels on odd ids while being the DTLS client. csctp accepts such an
    OPEN when the id is free; the line says "aiortc-odd-id-as-dtls-client" when it happens.
    "wrong-parity" makes that deterministic in both directions (issue 12: csctp accepts it).
  - it advertises a=max-message-size:65536 although it reassembles any size, and it does
    not check the peer's limit before sending; "max-csctp" lifts its advertisement to
    csctp's own limit (a monkeypatch of RTCSctpTransport.getCapabilities) to send the
    largest message csctp allows, both ways.
  - it marks a channel it opened "open" only on DATA_CHANNEL_ACK and drops a message that
    arrives before (the peer contract asks the opener to take the first message as the
    ACK). csctp-peer never sends first on a channel aiortc opened, so no scenario meets it.
  - it sends an empty message as PPID 56/57 with one 0x00 byte (RFC 8831 section 6.6);
    csctp must deliver it as empty, which "empty" checks.
"""
import argparse
import asyncio
import hashlib
import json
import logging
import os
import re
import signal
import statistics
import sys
import time

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcsctptransport import RTCSctpCapabilities, RTCSctpTransport

STEP = 10.0  # seconds for one signalling step, channel open, echo or close
SCENARIO = 30.0  # seconds for a whole (non-bulk) scenario


def restrict_to_loopback():
    # aioice skips 127.0.0.1 when it enumerates interfaces: loopback only, as the harness.
    import aioice.ice

    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]


AIORTC_CAPS = RTCSctpTransport.getCapabilities


def set_aiortc_max_message_size(n):
    if n is None:
        RTCSctpTransport.getCapabilities = AIORTC_CAPS
    else:
        RTCSctpTransport.getCapabilities = classmethod(lambda cls: RTCSctpCapabilities(maxMessageSize=n))


class Fail(Exception):
    pass


class XFail(Exception):
    pass


def loopback_sdp(sdp):
    """Keep only candidates on 127.0.0.1 / ::1 (as the browser harness does)."""
    out = []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:"):
            f = line.split()
            if len(f) < 5 or f[4] not in ("127.0.0.1", "::1") or f[2].lower() != "udp":
                continue
        out.append(line)
    return "\r\n".join(out) + "\r\n"


def sdp_attr(sdp, name):
    m = re.search(r"^a=%s:(.*?)\s*$" % re.escape(name), sdp, re.M)
    return m.group(1) if m else None


class Peer:
    """One csctp-peer process, its own process group."""

    def __init__(self, path, log_path, offer):
        self.path, self.log_path, self.offer = path, log_path, offer
        self.msgs = asyncio.Queue()
        self.proc = None

    async def start(self):
        self.log = open(self.log_path, "wb")
        args = [self.path] + (["--offer"] if self.offer else [])
        self.proc = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=self.log, start_new_session=True, limit=1 << 24)
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self):
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                await self.msgs.put(None)
                return
            try:
                obj = json.loads(line)
            except ValueError:
                await self.msgs.put({"type": "bad-line", "line": line[:200]})
                continue
            await self.msgs.put(obj)

    def send(self, obj):
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())

    async def recv(self, kind, timeout=STEP):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail(f"no {kind} from csctp-peer in {timeout:.0f} s")
            try:
                m = await asyncio.wait_for(self.msgs.get(), left)
            except asyncio.TimeoutError:
                raise Fail(f"no {kind} from csctp-peer in {timeout:.0f} s")
            if m is None:
                raise Fail(f"csctp-peer exited (code {self.proc.returncode}) before its {kind}")
            if m.get("type") == "bad-line":
                raise Fail(f"csctp-peer wrote a non-JSON line: {m['line']!r}")
            if m.get("type") == kind:
                return m

    async def stop(self):
        if not self.proc:
            return
        try:
            if self.proc.returncode is None:
                self.send({"type": "bye"})
                self.proc.stdin.close()
        except (BrokenPipeError, ConnectionResetError, RuntimeError):
            pass
        try:
            await asyncio.wait_for(self.proc.wait(), 3)
        except asyncio.TimeoutError:
            for sig, grace in ((signal.SIGTERM, 2), (signal.SIGKILL, 2)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    await asyncio.wait_for(self.proc.wait(), grace)
                    break
                except asyncio.TimeoutError:
                    pass
        self.reader.cancel()
        self.log.close()

    def tail(self, n=12):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf8", "replace").splitlines()
            return lines[-n:]
        except OSError:
            return []


class Chan:
    """An aiortc data channel with a receive queue and open/close futures."""

    def __init__(self, ch):
        self.ch = ch
        self.q = asyncio.Queue()
        loop = asyncio.get_running_loop()
        self.opened = loop.create_future()
        self.closed = loop.create_future()
        if ch.readyState == "open":
            self.opened.set_result(time.monotonic())

        @ch.on("open")
        def _open():
            if not self.opened.done():
                self.opened.set_result(time.monotonic())

        @ch.on("message")
        def _msg(m):
            self.q.put_nowait(m)

        @ch.on("close")
        def _close():
            if not self.closed.done():
                self.closed.set_result(time.monotonic())

    async def wait_open(self, timeout=STEP):
        done, _ = await asyncio.wait([self.opened, self.closed], timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if self.opened.done():
            return self.opened.result()
        if self.closed.done():
            raise Fail(f"channel {self.ch.label!r} (id {self.ch.id}) closed before it opened")
        raise Fail(f"channel {self.ch.label!r} not open after {timeout:.0f} s "
                   f"(state {self.ch.readyState})")

    async def get(self, timeout=STEP):
        try:
            return await asyncio.wait_for(self.q.get(), timeout)
        except asyncio.TimeoutError:
            raise Fail(f"channel {self.ch.label!r} (id {self.ch.id}): nothing received in {timeout:.0f} s")

    async def echo(self, msg, timeout=STEP):
        self.ch.send(msg)
        got = await self.get(timeout)
        check_same(msg, got, self.ch.label)

    async def ask(self, question, timeout=STEP):
        self.ch.send(question)
        got = await self.get(timeout)
        if not isinstance(got, str):
            raise Fail(f"{question!r} answered with binary")
        return got


def describe(m):
    kind = "string" if isinstance(m, str) else "binary"
    return f"{kind} of {len(m)}"


def check_same(sent, got, label):
    if type(sent) is not type(got):
        raise Fail(f"{label}: sent {describe(sent)}, echo is {describe(got)}")
    if sent != got:
        a = sent.encode() if isinstance(sent, str) else sent
        b = got.encode() if isinstance(got, str) else got
        raise Fail(f"{label}: echo differs: sent {describe(sent)} sha256 {hashlib.sha256(a).hexdigest()[:12]}, "
                   f"got {describe(got)} sha256 {hashlib.sha256(b).hexdigest()[:12]}")


class Session:
    """One RTCPeerConnection against one csctp-peer."""

    def __init__(self, args, name, direction):
        self.args, self.name, self.direction = args, name, direction
        self.pc = None
        self.peer = None
        self.notes = []
        self.remote_caps = None
        self.wrong_parity = False
        self.roles = ""

    async def connect(self, negotiated=(), first_label="first", fix_ids=True):
        """Signal, connect, and wait for the first channel; returns the time to first open."""
        offer = self.direction == "offer"
        self.peer = Peer(self.args.peer, os.path.join(self.args.scratch, f"{self.name}-{self.direction}.log"), offer)
        self.t0 = time.monotonic()
        await self.peer.start()
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.incoming = asyncio.Queue()
        self.pc.on("datachannel", lambda ch: self.incoming.put_nowait(Chan(ch)))
        self.neg = {}
        if not offer:
            self.first = Chan(self.pc.createDataChannel(first_label))
        for spec in negotiated:
            self.neg[spec["id"]] = Chan(self.pc.createDataChannel(
                spec["label"], negotiated=True, id=spec["id"], ordered=spec.get("ordered", True),
                maxRetransmits=spec.get("maxRetransmits"), maxPacketLifeTime=spec.get("maxPacketLifeTime"),
                protocol=spec.get("protocol", "")))
            self.peer.send(dict(spec, type="negotiated"))
        if not offer:
            await self.pc.setLocalDescription(await self.pc.createOffer())
            self.peer.send({"type": "offer", "sdp": self.pc.localDescription.sdp})
            ans = await self.peer.recv("answer")
            self.remote_sdp = ans["sdp"]
            await self.pc.setRemoteDescription(RTCSessionDescription(loopback_sdp(ans["sdp"]), "answer"))
            t_open = await self.first.wait_open(STEP)
        else:
            off = await self.peer.recv("offer")
            self.remote_sdp = off["sdp"]
            await self.pc.setRemoteDescription(RTCSessionDescription(loopback_sdp(off["sdp"]), "offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            self.peer.send({"type": "answer", "sdp": self.pc.localDescription.sdp})
            try:
                self.first = await asyncio.wait_for(self.incoming.get(), STEP)
            except asyncio.TimeoutError:
                raise Fail(f"csctp's channel never opened in aiortc (ICE {self.ice_role()}, "
                           f"connection {self.pc.connectionState})")
            t_open = await self.first.wait_open(STEP)
        self.open_ms = (t_open - self.t0) * 1000
        self.check_roles(fix_ids)
        return self.open_ms

    def sctp(self):
        return self.pc.sctp

    def ice_role(self):
        try:
            return self.pc.sctp.transport.transport.role
        except AttributeError:
            return "?"

    def dtls_role(self):
        try:
            return self.pc.sctp.transport._role
        except AttributeError:
            return "?"

    def check_roles(self, fix_ids):
        # RFC 8832 section 6: the DTLS client uses even stream ids, the server odd ones.
        sctp = self.pc.sctp
        parity = sctp._data_channel_id % 2 if sctp._data_channel_id is not None else None
        want = 0 if self.dtls_role() == "client" else 1
        self.roles = f"aiortc ICE {self.ice_role()}, DTLS {self.dtls_role()}"
        if self.direction == "offer" and self.ice_role() == "controlling":
            self.notes.append("ICE role conflict: aiortc answered yet ended ICE-controlling")
        if parity is not None and parity != want:
            bug = (f"aiortc bug: {'odd' if parity else 'even'} channel ids as DTLS {self.dtls_role()} "
                   f"(ids by ICE role)")
            if fix_ids:
                # Workaround: give aiortc the parity of its DTLS role before it opens a channel.
                sctp._data_channel_id = want
                bug += ", worked around"
            self.wrong_parity = True
            self.notes.append(bug)

    async def open(self, label, **kw):
        c = Chan(self.pc.createDataChannel(label, **kw))
        try:
            await c.wait_open()
        except Fail as e:
            if self.wrong_parity and c.ch.readyState == "closed":
                raise Fail(f"{e}: csctp reset aiortc's channel on id {c.ch.id}, of the wrong parity "
                           f"for aiortc's DTLS role but free ({self.roles})")
            raise
        return c

    async def close(self):
        if self.pc:
            try:
                await asyncio.wait_for(self.pc.close(), 5)
            except asyncio.TimeoutError:
                pass
        if self.peer:
            await self.peer.stop()


# ---------------------------------------------------------------- scenarios
# Each takes a connected Session and returns a figures string (or raises Fail / XFail).

async def sc_text(s):
    c = s.first
    for m in ["hello", "héllo wörld ✓ 漢字 🚀", "x", "a" * 1000, "ü" * 8000]:
        await c.echo(m)
    return "5 strings (1 B .. 16000 B, multi-byte UTF-8)"


async def sc_binary(s):
    c = s.first
    for n in (1, 2, 1000, 1200, 1201, 16384):
        await c.echo(os.urandom(n))
    await c.echo(bytes(range(256)))
    return "7 binary (1 B .. 16 KiB)"


async def sc_empty(s):
    c = s.first
    for m in ["", b"", "a", b"\x00", "", b""]:
        await c.echo(m)
    return "empty string and binary (PPID 56/57) echoed as empty"


async def sc_ordered_1000(s):
    c = s.first
    t = time.monotonic()
    sent = []
    for i in range(1000):
        m = f"m{i:04d}" if i % 2 == 0 else f"b{i:04d}".encode()
        sent.append(m)
        c.ch.send(m)
    for i, m in enumerate(sent):
        got = await c.get()
        if got != m or type(got) is not type(m):
            raise Fail(f"message {i}: expected {m!r}, got {got!r} (out of order or changed)")
    dt = time.monotonic() - t
    return f"1000 small messages (string/binary alternating) in order, {1000 / dt:.0f} msg/s"


async def sc_64k(s):
    c = s.first
    limit = int(sdp_attr(s.remote_sdp, "max-message-size") or 65536)
    for m in (os.urandom(65536), "z" * 65536, os.urandom(65535)):
        await c.echo(m)
    return f"64 KiB binary and string, 65535 B binary (csctp allows {limit}, aiortc 65536)"


async def sc_max_csctp(s):
    """aiortc advertises csctp's own limit (see the docstring): csctp's largest message, both ways."""
    limit = int(sdp_attr(s.remote_sdp, "max-message-size") or 65536)
    c = s.first
    t = time.monotonic()
    for m in (os.urandom(limit), "q" * limit):
        await c.echo(m, timeout=30)
    dt = time.monotonic() - t
    return f"{limit} B binary and string echoed (csctp's a=max-message-size), {4 * limit / dt / 1e6:.1f} MB/s"


async def check_info(c, want):
    info = json.loads(await c.ask("info?"))
    for k, v in want.items():
        if info.get(k) != v:
            raise Fail(f"info? {k} = {info.get(k)!r}, expected {v!r} (csctp sees {info})")
    return info


async def lossy(s, label, **kw):
    c = await s.open(label, **kw)
    want = {"label": label, "ordered": kw.get("ordered", True),
            "maxRetransmits": kw.get("maxRetransmits"), "maxPacketLifeTime": kw.get("maxPacketLifeTime"),
            "negotiated": False, "id": c.ch.id}
    await check_info(c, want)
    n = 200
    for i in range(n):
        c.ch.send(i.to_bytes(4, "big") + bytes([i & 0xff]) * 996)
    seen, order_ok, last = set(), True, -1
    deadline = time.monotonic() + STEP
    while len(seen) < n:
        try:
            m = await asyncio.wait_for(c.q.get(), max(0.1, min(2.0, deadline - time.monotonic())))
        except asyncio.TimeoutError:
            break
        if not isinstance(m, bytes) or len(m) != 1000:
            raise Fail(f"bad echo {describe(m)}")
        i = int.from_bytes(m[:4], "big")
        if i >= n or m[4:] != bytes([i & 0xff]) * 996:
            raise Fail(f"echo {i} corrupted")
        if i in seen:
            raise Fail(f"echo {i} duplicated")
        if i < last:
            order_ok = False
        last = max(last, i)
        seen.add(i)
    return c, len(seen), n, order_ok


async def sc_unordered(s):
    c, got, n, _ = await lossy(s, "unordered", ordered=False)
    if got != n:
        raise Fail(f"reliable unordered: {got} of {n} echoes")
    return f"ordered:false reliable, {got}/{n} x 1000 B back, info? matches"


async def sc_rtx0(s):
    c, got, n, _ = await lossy(s, "unordered-rtx0", ordered=False, maxRetransmits=0)
    if got < 0.9 * n:
        raise Fail(f"only {got} of {n} echoes")
    return f"ordered:false maxRetransmits:0, {got}/{n} back (no loss on loopback), info? matches"


async def sc_lifetime(s):
    c, got, n, order_ok = await lossy(s, "ordered-lifetime", ordered=True, maxPacketLifeTime=3000)
    if got < 0.9 * n:
        raise Fail(f"only {got} of {n} echoes")
    if not order_ok:
        raise Fail("echoes out of order on an ordered channel")
    return f"ordered maxPacketLifeTime:3000, {got}/{n} back in order, info? matches"


NEG = [{"id": 7, "label": "neg-7", "ordered": True},
       {"id": 8, "label": "neg-8", "ordered": False, "maxRetransmits": 2, "protocol": "p8"}]


async def sc_negotiated(s):
    for spec in NEG:
        c = s.neg[spec["id"]]
        await c.wait_open()
        await check_info(c, {"id": spec["id"], "label": spec["label"], "negotiated": True,
                             "ordered": spec["ordered"], "maxRetransmits": spec.get("maxRetransmits"),
                             "protocol": spec.get("protocol", "")})
        await c.echo(f"on negotiated {spec['id']}")
        await c.echo(os.urandom(3000))
    return "negotiated ids 7 (ordered) and 8 (unordered, maxRetransmits 2): echo, info? matches"


async def sc_many(s):
    n = 32
    chans = [Chan(s.pc.createDataChannel(f"many-{i}", protocol=f"proto-{i}")) for i in range(n)]
    await asyncio.gather(*(c.wait_open() for c in chans))
    ids = [c.ch.id for c in chans]
    if len(set(ids)) != n:
        raise Fail(f"duplicate ids {ids}")
    for c in chans:
        c.ch.send(f"hi {c.ch.label}")
    for c in chans:
        got = await c.get()
        if got != f"hi {c.ch.label}":
            raise Fail(f"{c.ch.label}: echo {got!r}")
    for c in chans:
        await check_info(c, {"label": c.ch.label, "protocol": c.ch.protocol, "id": c.ch.id})
    await s.first.echo("still here")
    return f"{n} channels opened at once (ids {min(ids)}..{max(ids)}), each echoes, info? matches"


async def wait_closed(c, who):
    try:
        await asyncio.wait_for(asyncio.shield(c.closed), STEP)
    except asyncio.TimeoutError:
        raise Fail(f"{who}: channel {c.ch.label!r} id {c.ch.id} not closed after {STEP:.0f} s "
                   f"(state {c.ch.readyState})")


async def sc_close_aiortc(s):
    c = await s.open("to-close")
    await c.echo("before close")
    cid = c.ch.id
    t = time.monotonic()
    c.ch.close()
    await wait_closed(c, "aiortc close()")
    dt = (time.monotonic() - t) * 1000
    c2 = await s.open("after-close")
    await c2.echo("after close")
    await s.first.echo("first still open")
    return f"aiortc closed id {cid}: closed in {dt:.1f} ms; new channel id {c2.ch.id} echoes"


async def sc_close_csctp(s):
    c = await s.open("to-close")
    await c.echo("before close")
    cid = c.ch.id
    t = time.monotonic()
    c.ch.send("close!")
    await wait_closed(c, "csctp close")
    dt = (time.monotonic() - t) * 1000
    c2 = await s.open("after-close")
    await c2.echo("after close")
    # and the first channel (csctp's own in the offer direction)
    await s.first.echo("first still open")
    return f"csctp closed id {cid}: closed in {dt:.1f} ms; new channel id {c2.ch.id} echoes"


async def sc_close_first(s):
    """Close the first channel: in the offer direction it is csctp's own "offerer"."""
    c = s.first
    await c.echo("x")
    c.ch.send("close!")
    await wait_closed(c, "csctp close of the first channel")
    c2 = await s.open("after")
    await c2.echo("y")
    return f"first channel (id {c.ch.id}, opened by {'csctp' if s.direction == 'offer' else 'aiortc'}) closed by csctp; new channel echoes"


async def sc_bulk(s):
    total = s.args.bulk_mib << 20
    chunk = 65536
    c = await s.open("sink-bulk")
    ch = c.ch
    high, low = 4 << 20, 1 << 20
    ch.bufferedAmountLowThreshold = low
    ev = asyncio.Event()
    ch.on("bufferedamountlow", ev.set)
    payload = os.urandom(chunk)
    t = time.monotonic()
    sent = 0
    while sent < total:
        while sent < total and ch.bufferedAmount <= high:
            ch.send(payload)
            sent += chunk
        if sent < total:
            ev.clear()
            try:
                await asyncio.wait_for(ev.wait(), 30)
            except asyncio.TimeoutError:
                raise Fail(f"bufferedAmount stuck at {ch.bufferedAmount} after {sent} bytes")
    timeout = max(60, 4 * s.args.bulk_mib)
    got = await c.ask("bytes?", timeout=timeout)
    dt = time.monotonic() - t
    if int(got) != total:
        raise Fail(f"bytes? = {got}, expected {total}")
    s.mbps = total / dt / 1e6
    return f"{s.args.bulk_mib} MiB aiortc -> csctp in 64 KiB messages: {dt:.2f} s, {s.mbps:.2f} MB/s"


async def sc_roles(s):
    """The direction swap, repeated: csctp offers, aiortc answers; both channels echo."""
    await s.first.echo("on csctp's channel")
    c = await s.open("answerer")
    await c.echo("on aiortc's channel")
    return f"{s.roles}; csctp's channel id {s.first.ch.id}, aiortc's id {c.ch.id}"


async def sc_wrong_parity(s):
    """aiortc's id bug made deterministic: its next channel gets an id of the other parity
    (what aiortc does when it wins an ICE role conflict). csctp must accept a free id."""
    sctp = s.pc.sctp
    want = 0 if s.dtls_role() == "client" else 1
    sctp._data_channel_id = 1 - want
    c = Chan(s.pc.createDataChannel("wrong-parity"))
    try:
        await c.wait_open()
    except Fail as e:
        raise Fail(f"{e}: csctp refused a DATA_CHANNEL_OPEN on free id {c.ch.id} of the DTLS "
                   f"{'server' if want == 0 else 'client'}'s parity (issue 12: accept it when free)")
    await c.echo("on a wrong-parity id")
    await check_info(c, {"id": c.ch.id, "label": "wrong-parity"})
    c2 = Chan(s.pc.createDataChannel("wrong-parity-2"))
    await c2.wait_open()
    await c2.echo("again")
    await s.first.echo("first still echoes")
    return (f"aiortc (DTLS {s.dtls_role()}) opened ids {c.ch.id} and {c2.ch.id}, the other side's parity: "
            f"accepted, echo, info? id matches")


SCENARIOS = [
    # name, function, directions, options
    ("text", sc_text, ("answer", "offer"), {}),
    ("binary", sc_binary, ("answer", "offer"), {}),
    ("empty", sc_empty, ("answer", "offer"), {}),
    ("ordered-1000", sc_ordered_1000, ("answer", "offer"), {}),
    ("size-64k", sc_64k, ("answer", "offer"), {}),
    ("max-csctp", sc_max_csctp, ("answer", "offer"), {"aiortc_mms": "csctp"}),
    ("unordered", sc_unordered, ("answer", "offer"), {}),
    ("unordered-rtx0", sc_rtx0, ("answer", "offer"), {}),
    ("ordered-lifetime", sc_lifetime, ("answer", "offer"), {}),
    ("negotiated", sc_negotiated, ("answer", "offer"), {"negotiated": NEG}),
    ("many-32", sc_many, ("answer", "offer"), {}),
    ("close-aiortc", sc_close_aiortc, ("answer", "offer"), {}),
    ("close-csctp", sc_close_csctp, ("answer", "offer"), {}),
    ("close-first", sc_close_first, ("answer", "offer"), {}),
    ("bulk", sc_bulk, ("answer", "offer"), {"bulk": True}),
    ("wrong-parity", sc_wrong_parity, ("answer", "offer"), {"raw_ids": True}),
    # aiortc as it is (no id workaround): shows whether csctp offers with the right ICE role
    # and accepts aiortc's OPEN on a free id of the wrong parity.
    ("swap", sc_roles, ("offer",), {"repeat": True, "raw_ids": True}),
]


async def run_one(args, name, fn, direction, opts, label):
    s = Session(args, label, direction)
    t = time.monotonic()
    status, figures = "PASS", ""
    timeout = SCENARIO + (max(60, 4 * args.bulk_mib) + 30 if opts.get("bulk") else 0)
    try:
        if opts.get("aiortc_mms") == "csctp":
            # csctp's limit is only known from its SDP: in the answer direction aiortc offers
            # first, so use a probe value; csctp's answer then says its own limit.
            set_aiortc_max_message_size(args.csctp_mms)
        await asyncio.wait_for(s.connect(negotiated=opts.get("negotiated", ()),
                                         fix_ids=not opts.get("raw_ids")), STEP * 3)
        figures = await asyncio.wait_for(fn(s), timeout)
        figures = f"first open {s.open_ms:.0f} ms; " + figures
    except Fail as e:
        status, figures = "FAIL", str(e)
    except XFail as e:
        status, figures = "XFAIL", str(e)
    except asyncio.TimeoutError:
        status, figures = "FAIL", f"scenario timed out after {timeout:.0f} s"
    except Exception as e:  # aiortc raising is a failure of the scenario, with its reason
        status, figures = "FAIL", f"{type(e).__name__}: {e}"
    finally:
        set_aiortc_max_message_size(None)
        await s.close()
    if s.notes:
        figures += " [" + "; ".join(s.notes) + "]"
    dt = time.monotonic() - t
    print(f"{status} {label}/{direction} ({dt:.1f} s): {figures}", flush=True)
    if status == "FAIL":
        for line in s.peer.tail() if s.peer else []:
            print(f"    | {line}", flush=True)
    return status, s


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peer")
    ap.add_argument("scratch")
    ap.add_argument("--only", default="")
    ap.add_argument("--skip", default="")
    ap.add_argument("--direction", default="both", choices=("answer", "offer", "both"))
    ap.add_argument("--repeat", type=int, default=5, help="runs of the 'swap' scenario")
    ap.add_argument("--bulk-mib", type=int, default=32)
    ap.add_argument("--max-seconds", type=float, default=600,
                    help="scenarios not started by then are reported as FAIL (not run)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if args.verbose else logging.ERROR)
    restrict_to_loopback()
    os.makedirs(args.scratch, exist_ok=True)
    only = [x for x in args.only.split(",") if x]
    skip = [x for x in args.skip.split(",") if x]

    # csctp's a=max-message-size, read once from an offer of csctp-peer (for "max-csctp").
    args.csctp_mms = 65536
    probe = Peer(args.peer, os.path.join(args.scratch, "probe.log"), True)
    await probe.start()
    try:
        off = await probe.recv("offer")
        args.csctp_mms = int(sdp_attr(off["sdp"], "max-message-size") or 65536)
    finally:
        await probe.stop()

    results = []
    opens = {"answer": [], "offer": []}
    bulk = {}
    t_all = time.monotonic()
    for name, fn, directions, opts in SCENARIOS:
        if only and name not in only:
            continue
        if name in skip:
            continue
        for d in directions:
            if args.direction != "both" and d != args.direction:
                continue
            runs = args.repeat if opts.get("repeat") else 1
            for r in range(runs):
                label = name if runs == 1 else f"{name}#{r + 1}"
                if time.monotonic() - t_all > args.max_seconds:
                    print(f"FAIL {label}/{d} (0.0 s): not run: past --max-seconds {args.max_seconds:.0f}",
                          flush=True)
                    results.append((label, d, "FAIL"))
                    continue
                status, s = await run_one(args, name, fn, d, opts, label)
                results.append((label, d, status))
                if status != "FAIL" and hasattr(s, "open_ms"):
                    opens[d].append(s.open_ms)
                if hasattr(s, "mbps"):
                    bulk[d] = s.mbps
    n = {k: sum(1 for r in results if r[2] == k) for k in ("PASS", "FAIL", "XFAIL")}
    for d in ("answer", "offer"):
        if opens[d]:
            who = "aiortc offers" if d == "answer" else "csctp offers"
            print(f"time to first open ({who}): median {statistics.median(opens[d]):.0f} ms, "
                  f"min {min(opens[d]):.0f}, max {max(opens[d]):.0f} over {len(opens[d])} connections"
                  + (f"; bulk {bulk[d]:.2f} MB/s" if d in bulk else ""), flush=True)
    print(f"{n['PASS']} passed, {n['FAIL']} failed, {n['XFAIL']} expected failures "
          f"({time.monotonic() - t_all:.0f} s; csctp a=max-message-size {args.csctp_mms}, aiortc 65536)", flush=True)
    return 1 if n["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
