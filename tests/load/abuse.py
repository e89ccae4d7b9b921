#!/usr/bin/env python3
"""Time-outs and abuse against the demo servers, on loopback only.

usage: abuse.py [--examples DIR] [CASE...]
    CASE: silent, slowloris, flood, idle (default: all, in that order)

Every case starts its own server(s) on 127.0.0.1 port 0 from DIR (default
target/release/examples of this repository), reads the port from the first
stdout line "listening on 127.0.0.1:PORT", keeps their stderr log (one line
per connection, beginning with the client's address) and stops them at the
end. Every loop is bounded in count and time.

  silent     tokio_echo_server --handshake-timeout 2. SILENT_CONNECTIONS (1000)
             connections are opened and send nothing. While they are all
             open, a normal client (the client example) must be served. Then
             every one of them must be closed by the server (end of stream or
             reset, counted on the client side) with nothing sent to it, within
             2 s plus a margin, and the server must log a refusal for each.
  slowloris  tokio_echo_server and echo_server, --handshake-timeout 2. A valid
             request head is sent one byte every 0.5 s: each byte comes well
             within any per-read time-out, but the deadline covers the whole
             handshake, so the server must cut the connection before the head
             is complete (about 200 bytes, 100 s at that pace). What is asserted
             is the cut and the log line, never a duration (it is printed).
  flood      a fresh tokio_echo_server --handshake-timeout 2. FLOOD_REQUESTS
             (20000) requests with a bad key (Sec-WebSocket-Key1 without
             spaces), FLOOD_CONCURRENCY (50) at a time: each must get
             "HTTP/1.1 400" and then the end of the connection, a normal client
             must be served halfway through, and the server's resident memory
             (VmRSS in /proc/PID/status) after the flood must be at most
             RSS_BOUND_KIB (8 MiB) above what it was before.
  idle       tokio_echo_server and echo_server with --idle-timeout 2
             --keepalive 0.5. A client that goes silent after the handshake
             must receive keep-alive frames (00 FF) and still be dropped: the
             frames the server sends do not count as activity, only the
             client's bytes do (logged "ended: idle timeout"). A client that
             sends a message every 0.5 s must stay connected past the idle
             time, and end with its own close ("ended: closed").

The open-files limit is raised to the hard limit first (the servers inherit
it); when even that is too low for SILENT_CONNECTIONS, fewer are opened and
that is said loudly.

Prints one PASS/FAIL line per check with its figures, and
"load: N passed, N failed" at the end; exits 1 if any check failed, 2 on bad
usage or when a server cannot be started.
"""

import asyncio
import os
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

SILENT_CONNECTIONS = int(os.environ.get("SILENT_CONNECTIONS", 1000))
FLOOD_REQUESTS = int(os.environ.get("FLOOD_REQUESTS", 20000))
FLOOD_CONCURRENCY = int(os.environ.get("FLOOD_CONCURRENCY", 50))
RSS_BOUND_KIB = int(os.environ.get("RSS_BOUND_KIB", 8 * 1024))
HANDSHAKE_TIMEOUT = 2
IDLE_TIMEOUT = 2
KEEPALIVE = 0.5
ORIGIN = "http://example.com"
KEY1 = "4 @1  46546xW%0l 1 5"
KEY2 = "12998 5 Y3 1  .P00"
KEY3 = b"^n:ds[4U"
ANSWER = b"8jKS'y:G*Co,Wxa-"
# How a refusal line says the handshake ran out of time.
TIMEOUT_WORDS = re.compile(r"in time|timed out|time-?out", re.IGNORECASE)

results = {"passed": 0, "failed": 0}
failures = []
known = []

# Checks that fail because of a known defect in the demo servers, with the
# defect. They are run and printed as they are (XFAIL), listed at the end, and
# do not fail the run; one that passes (XPASS) does, so that the entry is
# removed once the defect is fixed.
KNOWN_FAILURES = {}


def check(name, ok, detail=""):
    detail = f" ({detail})" if detail else ""
    if name in KNOWN_FAILURES:
        if ok:
            print(f"XPASS {name}{detail}: listed as a known failure, remove it from KNOWN_FAILURES",
                  flush=True)
            results["failed"] += 1
            failures.append(name)
        else:
            print(f"XFAIL {name}{detail}", flush=True)
            loud(f"known failure: {KNOWN_FAILURES[name]}")
            known.append(f"{name}: {KNOWN_FAILURES[name]}")
        return
    print(f"{'PASS' if ok else 'FAIL'}  {name}{detail}", flush=True)
    if ok:
        results["passed"] += 1
    else:
        results["failed"] += 1
        failures.append(name)


def note(text):
    print(f"        {text}", flush=True)


def loud(text):
    print(f"!!!!!! {text}", flush=True)


def request(port, key1=KEY1, path="/demo"):
    """The draft's example request (section 1.3) to 127.0.0.1:PORT, key3 included."""
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key2: {KEY2}\r\nUpgrade: WebSocket\r\n"
        f"Sec-WebSocket-Key1: {key1}\r\nOrigin: {ORIGIN}\r\n\r\n"
    ).encode("ascii") + KEY3


class Server:
    """A demo server on 127.0.0.1:0 in its own process group, its log in a file."""

    def __init__(self, examples, name, *flags):
        self.name = name
        self.command = [os.path.join(examples, name), "--listen", "127.0.0.1:0", *flags]
        self.log_path = os.path.join(WORK, f"{name}-{len(SERVERS)}.err")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL,
            start_new_session=True)
        SERVERS.append(self)
        ready = select.select([self.process.stdout], [], [], 10)[0]
        line = self.process.stdout.readline().decode("utf-8", "replace").strip() if ready else ""
        match = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not match:
            self.stop()
            print(f"load: {' '.join(self.command)} did not report its port (first line {line!r}); "
                  f"its stderr:\n{self.log_text()}", file=sys.stderr)
            sys.exit(2)
        self.port = int(match.group(1))
        print(f"started: {name} {' '.join(self.command[1:])} -> 127.0.0.1:{self.port}, "
              f"pid {self.process.pid}", flush=True)

    def rss_kib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def status_kib(self, field):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return -1

    def log_text(self):
        self.log.flush()
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")

    def log_lines(self):
        return self.log_text().splitlines()

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.log.close()


def normal_client(examples, port, text):
    """Starts the client example against PORT; returns the Popen."""
    return subprocess.Popen(
        [os.path.join(examples, "client"), f"ws://127.0.0.1:{port}/normal", "--origin", ORIGIN,
         "--send", text],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def client_served(process, text):
    out, err = process.communicate(timeout=20)
    expected = f"connected\n< {text}\n".encode()
    return process.returncode == 0 and out == expected, \
        f"exit {process.returncode}, stdout {out!r}, stderr {err.decode('utf-8', 'replace').strip()!r}"


def raise_open_files_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as error:
            loud(f"could not raise the open-files limit from {soft} to {target}: {error}")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    print(f"open-files limit: {soft} (hard {hard})", flush=True)
    return soft


# --- silent connections -------------------------------------------------------

def case_silent(examples):
    print("\n== silent: connections that never send a byte, against the handshake time-out")
    limit = raise_open_files_limit(SILENT_CONNECTIONS + 200)
    count = SILENT_CONNECTIONS
    if limit < count + 200:
        count = max(limit - 200, 0)
        loud(f"the open-files limit {limit} allows only {count} silent connections, "
             f"not {SILENT_CONNECTIONS}")
    server = Server(examples, "tokio_echo_server", "--handshake-timeout", str(HANDSHAKE_TIMEOUT))
    mark = len(server.log_lines())
    poller = select.epoll()
    conns = {}
    closed = 0

    def poll(timeout):
        nonlocal closed
        for fd, _ in poller.poll(timeout):
            conn = conns[fd]
            try:
                data = conn["sock"].recv(4096)
            except ConnectionResetError:
                data, conn["how"] = b"", "reset"
            except BlockingIOError:
                continue
            if data:
                conn["bytes"] += len(data)
                continue
            conn["closed"] = time.monotonic()
            conn["how"] = conn["how"] or "end of stream"
            poller.unregister(fd)
            closed += 1

    started = time.monotonic()
    failed_connects = slow_connects = 0
    for i in range(count):
        before = time.monotonic()
        try:
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        except OSError:
            failed_connects += 1
            continue
        if time.monotonic() - before > 0.5:
            slow_connects += 1  # a SYN sent again: the listen queue was full for a moment
        sock.setblocking(False)
        conns[sock.fileno()] = {"sock": sock, "bytes": 0, "opened": time.monotonic(),
                                "closed": None, "how": None}
        poller.register(sock.fileno(), select.EPOLLIN | select.EPOLLRDHUP)
        if i % 50 == 49:
            poll(0)
    opened = len(conns)
    open_seconds = time.monotonic() - started
    print(f"opened {opened} silent connections in {open_seconds:.2f} s"
          + (f", {failed_connects} could not connect" if failed_connects else "")
          + (f", {slow_connects} took over 0.5 s (SYN sent again)" if slow_connects else ""),
          flush=True)

    # The normal client starts once the last one is open: it must be served
    # while silent connections are still waiting for their time-out.
    client = normal_client(examples, server.port, "during")
    client_done = None
    open_when_served = None
    deadline = time.monotonic() + HANDSHAKE_TIMEOUT + 10
    while time.monotonic() < deadline and (closed < opened or client_done is None):
        if client_done is None and client.poll() is not None:
            client_done = time.monotonic()
            open_when_served = opened - closed
        poll(0.02)
    served, detail = client_served(client, "during")
    lifetimes = sorted(c["closed"] - c["opened"] for c in conns.values() if c["closed"] is not None)
    received = sum(c["bytes"] for c in conns.values())
    resets = sum(1 for c in conns.values() if c["how"] == "reset")
    for conn in conns.values():
        conn["sock"].close()
    poller.close()

    check(f"silent: {opened} of {count} connections opened", opened == count and count > 0,
          f"in {open_seconds:.2f} s")
    check("silent: a normal client is served while they wait for their time-out",
          served and (open_when_served or 0) > 0,
          f"served while {open_when_served} of {opened} were still open"
          + ("" if served else f"; {detail}"))
    timing = (f"each open {lifetimes[0]:.2f} s to {lifetimes[-1]:.2f} s" if lifetimes
              else "no close seen")
    check(f"silent: all {opened} closed by the server's handshake time-out "
          f"({HANDSHAKE_TIMEOUT} s)", closed == opened,
          f"{closed} closes seen by the client side ({closed - resets} end of stream, "
          f"{resets} reset), {timing}")
    check("silent: nothing was sent to them", received == 0, f"{received} bytes received")
    time.sleep(0.3)
    refused = [line for line in server.log_lines()[mark:] if " refused " in line]
    timeouts = [line for line in refused if TIMEOUT_WORDS.search(line)]
    check("silent: the server logged a handshake time-out for each",
          len(timeouts) >= opened, f"{len(timeouts)} lines like {refused[0] if refused else '-'!r}")
    check("silent: the server is still running", server.alive())
    server.stop()


# --- slowloris ----------------------------------------------------------------

def case_slowloris(examples):
    print("\n== slowloris: a request head one byte every 0.5 s, against the handshake deadline")
    for name in ("tokio_echo_server", "echo_server"):
        server = Server(examples, name, "--handshake-timeout", str(HANDSHAKE_TIMEOUT))
        mark = len(server.log_lines())
        head = request(server.port)
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        started = time.monotonic()
        sent = 0
        cut = None
        received = b""
        max_bytes = 40  # 20 s at this pace: ten times the deadline
        while sent < min(len(head), max_bytes):
            try:
                sock.sendall(head[sent:sent + 1])
                sent += 1
            except (BrokenPipeError, ConnectionResetError) as error:
                cut = f"write failed: {error.__class__.__name__}"
                break
            if select.select([sock], [], [], 0.5)[0]:
                try:
                    data = sock.recv(4096)
                except ConnectionResetError:
                    data = b""
                if not data:
                    cut = "end of stream"
                    break
                received += data
        elapsed = time.monotonic() - started
        sock.close()
        time.sleep(0.3)
        logged = [line for line in server.log_lines()[mark:] if " refused " in line]
        check(f"slowloris ({name}): cut before the head was complete",
              cut is not None and sent < len(head),
              f"{cut or 'still open'} after {sent} of {len(head)} bytes, "
              f"{elapsed:.1f} s (printed, not asserted)")
        check(f"slowloris ({name}): logged as refused", len(logged) == 1,
              logged[0] if logged else "no refused line")
        check(f"slowloris ({name}): the log names the handshake time-out",
              len(logged) == 1 and TIMEOUT_WORDS.search(logged[0]) is not None,
              logged[0] if logged else "no refused line")
        if received:
            note(f"it was sent {received!r} before the cut")
        server.stop()


# --- flood of bad requests ----------------------------------------------------

async def bad_request(port, counts, semaphore, payload):
    async with semaphore:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port), 10)
        except (OSError, asyncio.TimeoutError):
            counts["connect failed"] += 1
            return
        try:
            writer.write(payload)
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(-1), 10)  # until the server closes
            if answer.startswith(b"HTTP/1.1 400 "):
                counts["400 then closed"] += 1
            else:
                counts["other answer"] += 1
                counts.setdefault("example", answer[:80])
        except asyncio.TimeoutError:
            counts["not closed"] += 1
        except OSError:
            counts["reset"] += 1
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass


async def flood(port, examples, total, concurrency):
    semaphore = asyncio.Semaphore(concurrency)
    counts = {"400 then closed": 0, "other answer": 0, "not closed": 0, "reset": 0,
              "connect failed": 0}
    payload = request(port, key1="12345")  # no spaces: draft 5.2 step 5, 400
    done = lambda: sum(v for k, v in counts.items() if k != "example")
    client = []

    async def halfway():
        while done() < total // 2:
            await asyncio.sleep(0.01)
        client.append(normal_client(examples, port, "halfway"))

    watcher = asyncio.ensure_future(halfway())
    tasks = []
    for i in range(total):
        tasks.append(asyncio.ensure_future(bad_request(port, counts, semaphore, payload)))
        # A bounded number of pending tasks: at most 2000 ahead of the answered ones.
        while i - done() > 2000:
            await asyncio.sleep(0.01)
    await asyncio.gather(*tasks)
    await watcher
    return counts, client[0]


def case_flood(examples):
    print(f"\n== flood: {FLOOD_REQUESTS} requests with a bad key, {FLOOD_CONCURRENCY} at a time")
    raise_open_files_limit(FLOOD_CONCURRENCY + 200)
    server = Server(examples, "tokio_echo_server", "--handshake-timeout", str(HANDSHAKE_TIMEOUT))
    warm = normal_client(examples, server.port, "before")
    served, detail = client_served(warm, "before")
    check("flood: a normal client is served before it", served, "" if served else detail)
    time.sleep(0.5)
    before = server.rss_kib()
    mark = len(server.log_lines())
    started = time.monotonic()
    counts, client = asyncio.run(flood(server.port, examples, FLOOD_REQUESTS, FLOOD_CONCURRENCY))
    seconds = time.monotonic() - started
    served, detail = client_served(client, "halfway")
    time.sleep(1.0)
    after = server.rss_kib()
    peak = server.status_kib("VmHWM")
    refused = sum(1 for line in server.log_lines()[mark:] if " refused status=400 " in line)
    example = counts.pop("example", None)
    check(f"flood: each of the {FLOOD_REQUESTS} bad requests answered 400 and closed",
          counts["400 then closed"] == FLOOD_REQUESTS,
          f"{counts['400 then closed']} in {seconds:.1f} s ({FLOOD_REQUESTS / seconds:.0f}/s); "
          + ", ".join(f"{k}: {v}" for k, v in counts.items() if k != "400 then closed"))
    if example is not None:
        note(f"an other answer: {example!r}")
    check("flood: the server logged each refusal with its 400", refused == FLOOD_REQUESTS,
          f"{refused} 'refused status=400' lines")
    check("flood: a normal client is served halfway through it", served, "" if served else detail)
    check(f"flood: resident memory after it at most {RSS_BOUND_KIB} KiB above before",
          after - before <= RSS_BOUND_KIB,
          f"VmRSS before {before} KiB, after {after} KiB ({after - before:+d} KiB); "
          f"peak VmHWM {peak} KiB")
    check("flood: the server is still running", server.alive())
    server.stop()


# --- idle time-out --------------------------------------------------------------

def handshake(port, path):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(request(port, path=path))
    buf = b""
    deadline = time.monotonic() + 5
    while b"\r\n\r\n" not in buf or len(buf.partition(b"\r\n\r\n")[2]) < 16:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no full answer within 5 s: {buf!r}")
        data = sock.recv(4096)
        if not data:
            raise RuntimeError(f"closed during the handshake: {buf!r}")
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101 ") or rest[:16] != ANSWER:
        raise RuntimeError(f"not the expected answer: {buf!r}")
    return sock, rest[16:]


def case_idle(examples):
    print(f"\n== idle: --idle-timeout {IDLE_TIMEOUT} with --keepalive {KEEPALIVE}")
    for name in ("tokio_echo_server", "echo_server"):
        server = Server(examples, name, "--idle-timeout", str(IDLE_TIMEOUT),
                        "--keepalive", str(KEEPALIVE))
        mark = len(server.log_lines())

        # A silent client.
        sock, rest = handshake(server.port, "/silent")
        started = time.monotonic()
        buf = rest
        closed = None
        bound = IDLE_TIMEOUT + 6
        sock.settimeout(0.2)
        while time.monotonic() - started < bound:
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            except ConnectionResetError:
                data = b""
            if not data:
                closed = time.monotonic() - started
                break
            buf += data
        sock.close()
        frames = buf.count(b"\x00\xff")
        only_keepalives = buf == b"\x00\xff" * frames
        time.sleep(0.3)
        ended = [line for line in server.log_lines()[mark:] if " ended: " in line]
        check(f"idle ({name}): a silent client is dropped although keep-alive frames flow",
              closed is not None and frames >= 2 and only_keepalives,
              f"{frames} keep-alive frames (00 FF) received, then "
              + (f"closed after {closed:.1f} s of client silence" if closed is not None
                 else f"still open after {bound} s") + ("" if only_keepalives else f"; got {buf!r}"))
        check(f"idle ({name}): logged as an idle time-out",
              len(ended) == 1 and ended[0].endswith("ended: idle timeout"),
              ended[0] if ended else "no 'ended' line")

        # A client that talks more often than the idle time-out.
        mark = len(server.log_lines())
        sock, rest = handshake(server.port, "/talking")
        started = time.monotonic()
        sock.settimeout(0.05)
        buf = rest
        sent = 0
        problem = None
        while time.monotonic() - started < 2 * IDLE_TIMEOUT:
            try:
                sock.sendall(b"\x00m%d\xff" % sent)
                sent += 1
            except OSError as error:
                problem = f"write failed after {sent} messages: {error}"
                break
            until = time.monotonic() + KEEPALIVE
            while time.monotonic() < until:
                try:
                    data = sock.recv(4096)
                except socket.timeout:
                    continue
                except OSError as error:
                    problem = f"read failed: {error}"
                    break
                if not data:
                    problem = f"closed by the server after {time.monotonic() - started:.1f} s"
                    break
                buf += data
            if problem:
                break
        echoes = sum(1 for i in range(sent) if b"\x00m%d\xff" % i in buf)
        try:
            sock.sendall(b"\xff\x00")
            sock.settimeout(5)
            while sock.recv(4096):
                pass
        except OSError:
            pass
        sock.close()
        time.sleep(0.3)
        ended = [line for line in server.log_lines()[mark:] if " ended: " in line]
        check(f"idle ({name}): a client sending every {KEEPALIVE} s stays past "
              f"{IDLE_TIMEOUT} s", problem is None and echoes == sent and sent > 0,
              problem or f"{sent} messages over {2 * IDLE_TIMEOUT} s, {echoes} echoed")
        check(f"idle ({name}): it ends with its own close",
              len(ended) == 1 and ended[0].endswith("ended: closed"),
              ended[0] if ended else "no 'ended' line")
        server.stop()


CASES = {"silent": case_silent, "slowloris": case_slowloris, "flood": case_flood,
         "idle": case_idle}
SERVERS = []
WORK = None


def main():
    global WORK
    args = sys.argv[1:]
    examples = os.path.join(ROOT, "target", "release", "examples")
    if args[:1] == ["--examples"] and len(args) >= 2:
        examples, args = args[1], args[2:]
    unknown = [a for a in args if a not in CASES]
    if unknown:
        print(f"usage: abuse.py [--examples DIR] [{'|'.join(CASES)}]...", file=sys.stderr)
        sys.exit(2)
    for name in ("tokio_echo_server", "echo_server", "client"):
        if not os.access(os.path.join(examples, name), os.X_OK):
            print(f"load: {examples}/{name} not found: cargo build --release --examples "
                  "--all-features", file=sys.stderr)
            sys.exit(2)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hixie76-load.") as work:
        WORK = work
        try:
            for name in args or list(CASES):
                CASES[name](examples)
        finally:
            for server in SERVERS:
                server.stop()
    print(f"\nload: {time.monotonic() - started:.0f} s")
    if known:
        print("!!!!!! known failures (XFAIL), not counted:\n!!!!!!   " + "\n!!!!!!   ".join(known))
    if failures:
        print("failed checks:\n  " + "\n  ".join(failures))
    print(f"load: {results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
