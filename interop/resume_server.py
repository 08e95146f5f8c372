"""A second server side of heartline's resume protocol, written from
docs/resume-protocol.md alone, in one process, with sessions in memory.

Run with Debian's interpreter and its python3-websockets (10.4):

    /usr/bin/python3 interop/resume_server.py --ttl 1000 --ack-delay 200 --ack-every 512

It listens on 127.0.0.1 (port 0 unless --port) and prints one JSON line per
event on stdout: {"listening": port} first, then {"expired": sid, "out": n}
whenever a session's ttl ran out. Its application echoes every message back on
its session as it came (text as text, binary as binary); the text message
"!close" makes it close the session. That is the application the conformance
list (interop/conformance.json) assumes. With --away N it also sends N messages
(a1…aN) whenever its client's socket goes away (the fault tests' outage case).
"""

import argparse
import asyncio
import json
import os
import base64
import re
import sys

import websockets

VERSION = 1
MAX_SEQ = 2**53 - 1
PROTOCOL_ERROR = 4200
REPLACED = 4201
SID = re.compile(r"[A-Za-z0-9_-]{22}\Z")
SEQ = re.compile(r"([0-9]{1,16})\Z")
MESSAGE = re.compile(r"M([0-9]{1,16}) ", re.S)


def emit(event):
    print(json.dumps(event, separators=(",", ":")), flush=True)


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def whole(value, low, high):
    """A JSON number that is a whole number in [low, high] (JSON's 3.0 is 3)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not value.is_integer():
        return False
    return low <= value <= high


class Closed(Exception):
    """The current socket was closed by this server; stop reading it."""


class Session:
    def __init__(self, sid):
        self.sid = sid
        self.out = 0  # last server seq numbered
        self.acked = 0  # the client acknowledged server messages up to here
        self.kept = []  # (seq, data) of the server messages after `acked`
        self.received = 0  # last client seq handed to the application (`in`)
        self.ack_sent = 0  # last ack the client was told
        self.socket = None
        self.expiry = None
        self.ack_timer = None


class Server:
    def __init__(self, options):
        self.ttl = options.ttl / 1000
        self.ack_delay = options.ack_delay / 1000
        self.ack_every = options.ack_every
        self.ping = options.ping
        self.pong = options.pong
        self.away = options.away
        self.sessions = {}
        self.tombstones = {}  # sid -> last out, or None once told (or closed by the application)

    # ---- writing -------------------------------------------------------------

    async def write(self, socket, data):
        try:
            await socket.send(data)
        except websockets.ConnectionClosed:
            pass

    def close_later(self, socket, code, reason):
        asyncio.ensure_future(socket.close(code, reason))

    async def refuse(self, socket, code, reason):
        await socket.close(code, reason)
        raise Closed()

    def frame(self, seq, data):
        if isinstance(data, str):
            return f"M{seq} {data}"
        return b"M" + seq.to_bytes(8, "big") + data

    # ---- the handshake -------------------------------------------------------

    async def hello(self, socket, frame):
        hello = None
        if isinstance(frame, str) and frame.startswith("H"):
            try:
                hello = json.loads(frame[1:])
            except ValueError:
                hello = None
        if not isinstance(hello, dict):
            await self.refuse(socket, PROTOCOL_ERROR, "resume: the first frame must be a hello")
        v = hello.get("v")
        if not whole(v, 1, 1):
            shown = "none" if "v" not in hello else compact(v)
            if len(shown) > 24:
                shown = shown[:24] + "\u2026"
            await self.refuse(
                socket, 1002, f"resume: unsupported version {shown}; this server speaks {VERSION}"
            )
        ack = hello.get("ack")
        sid = hello.get("sid")
        if not whole(ack, 0, MAX_SEQ) or ("sid" in hello and not isinstance(sid, str)):
            await self.refuse(socket, PROTOCOL_ERROR, "resume: malformed hello")
        ack = int(ack)
        if "sid" not in hello:
            return await self.fresh(socket, absent=True)
        session = self.sessions.get(sid) if SID.match(sid) else None
        if session is None:
            lost = None
            if SID.match(sid) and self.tombstones.get(sid) is not None:
                lost = max(0, self.tombstones[sid] - ack)
                self.tombstones[sid] = None  # told once
            return await self.fresh(socket, lost=lost)
        if ack > session.out:
            await self.refuse(socket, PROTOCOL_ERROR, "resume: ack beyond the last seq sent")
        if ack < session.acked:
            return await self.fresh(socket, lost=session.out - ack)
        self.trim(session, ack)
        if session.socket is not None and session.socket is not socket:
            self.close_later(session.socket, REPLACED, "replaced by a newer socket")
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        session.socket = socket
        session.ack_sent = session.received
        welcome = {"v": VERSION, "sid": session.sid, "ack": session.received, "resumed": True}
        welcome["replay"] = len(session.kept)
        await self.write(socket, "W" + compact(welcome))
        for seq, data in list(session.kept):
            await self.write(socket, self.frame(seq, data))
        return session

    async def fresh(self, socket, lost=None, absent=False):
        sid = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        session = Session(sid)
        session.socket = socket
        self.sessions[sid] = session
        welcome = {"v": VERSION, "sid": sid, "ack": 0, "resumed": False}
        if not absent:
            welcome["reset"] = {"lost": lost}
        await self.write(socket, "W" + compact(welcome))
        return session

    # ---- after the welcome ---------------------------------------------------

    async def receive(self, session, socket, frame):
        if isinstance(frame, bytes):
            if len(frame) < 9 or frame[0] != 0x4D:
                await self.protocol_error(session, socket, "malformed binary frame")
            return await self.message(session, socket, int.from_bytes(frame[1:9], "big"), frame[9:])
        kind = frame[:1]
        if kind == "M":
            match = MESSAGE.match(frame)
            if match is None:
                await self.protocol_error(session, socket, "malformed message frame")
            return await self.message(session, socket, int(match.group(1)), frame[match.end() :])
        if kind == "A":
            match = SEQ.match(frame, 1)
            if match is None or int(match.group(1)) > session.out:
                await self.protocol_error(session, socket, "bad ack")
            self.trim(session, int(match.group(1)))
            return
        await self.protocol_error(session, socket, f"unexpected frame {compact(frame[:16])}")

    async def message(self, session, socket, seq, data):
        if seq <= session.received:
            return  # a replay of something already handed out
        if seq != session.received + 1:
            await self.protocol_error(
                session, socket, f"gap: expected {session.received + 1}, got {seq}"
            )
        session.received = seq
        await self.application(session, data)
        if session.socket is not socket:
            return
        if session.received - session.ack_sent >= self.ack_every:
            await self.send_ack(session)
        elif session.ack_timer is None:
            loop = asyncio.get_running_loop()
            session.ack_timer = loop.call_later(
                self.ack_delay, lambda: asyncio.ensure_future(self.send_ack(session))
            )

    async def send_ack(self, session):
        if session.ack_timer is not None:
            session.ack_timer.cancel()
            session.ack_timer = None
        socket = session.socket
        if socket is None or session.received <= session.ack_sent:
            return
        session.ack_sent = session.received
        await self.write(socket, f"A{session.received}")

    def trim(self, session, seq):
        if seq <= session.acked:
            return
        while session.kept and session.kept[0][0] <= seq:
            session.kept.pop(0)
        session.acked = seq

    async def protocol_error(self, session, socket, reason):
        if session.socket is socket:
            self.detach(session, socket)
        await self.refuse(socket, PROTOCOL_ERROR, f"resume: {reason}")

    # ---- the application: echo, and "!close" --------------------------------

    async def application(self, session, data):
        if data == "!close":
            socket = session.socket
            self.end(session, None)
            if socket is not None:
                await self.refuse(socket, 1000, "session closed")
            return
        await self.send(session, data)

    async def send(self, session, data):
        """Numbers and keeps `data`; writes it when the client is attached."""
        session.out += 1
        session.kept.append((session.out, data))
        if session.socket is not None:
            await self.write(session.socket, self.frame(session.out, data))

    # ---- lifetime ------------------------------------------------------------

    def detach(self, session, socket):
        if session is None or session.socket is not socket:
            return
        session.socket = None
        if session.ack_timer is not None:
            session.ack_timer.cancel()
            session.ack_timer = None
        loop = asyncio.get_running_loop()
        session.expiry = loop.call_later(self.ttl, self.expire, session)
        # --away: an application that keeps sending while its client is away.
        for n in range(self.away):
            asyncio.ensure_future(self.send(session, f"a{n + 1}"))

    def expire(self, session):
        session.expiry = None
        if self.sessions.get(session.sid) is session and session.socket is None:
            self.end(session, session.out)
            emit({"expired": session.sid, "out": session.out})

    def end(self, session, lost):
        if self.sessions.get(session.sid) is not session:
            return
        del self.sessions[session.sid]
        session.socket = None
        for timer in (session.expiry, session.ack_timer):
            if timer is not None:
                timer.cancel()
        self.tombstones[session.sid] = lost
        # The tombstone lasts one ttl from the session's end; reading it does not restart it.
        asyncio.get_running_loop().call_later(self.ttl, self.tombstones.pop, session.sid, None)

    async def handler(self, socket, path=None):
        session = None
        try:
            async for frame in socket:
                if frame == self.ping:
                    await self.write(socket, self.pong)
                    if session is not None and session.socket is socket:
                        await self.send_ack(session)
                    continue
                if session is None:
                    session = await self.hello(socket, frame)
                elif session.socket is socket:
                    await self.receive(session, socket, frame)
                # else: a socket that was replaced; its frames are ignored.
        except (Closed, websockets.ConnectionClosed):
            pass
        finally:
            self.detach(session, socket)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ttl", type=float, default=120_000, help="ms a session waits for its client")
    parser.add_argument("--ack-delay", type=float, default=200, help="ms")
    parser.add_argument("--ack-every", type=int, default=512)
    parser.add_argument("--ping", default="ping")
    parser.add_argument("--pong", default="pong")
    parser.add_argument(
        "--away", type=int, default=0, help="messages the application sends when a socket detaches"
    )
    options = parser.parse_args()
    server = Server(options)
    async with websockets.serve(
        server.handler, "127.0.0.1", options.port, ping_interval=None, close_timeout=1
    ) as listening:
        emit({"listening": listening.sockets[0].getsockname()[1]})
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
