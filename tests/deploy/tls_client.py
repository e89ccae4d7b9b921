#!/usr/bin/env python3
"""A hixie-76 client over TLS of a chosen version, as an old device would speak
it to a proxy that ends TLS (wss://).

usage: tls_client.py --tls 1|1.1|1.2 HOST PORT PATH MESSAGE

Opens TLS to HOST:PORT with only that protocol version allowed and the
cipher list at OpenSSL's security level 0 (TLS 1.0 and 1.1 need it with
OpenSSL 3), without checking the certificate (the tests make a self-signed
one). Then sends the draft's own example request (section 1.3: its two keys
and key3, so the answer must be "8jKS'y:G*Co,Wxa-") for PATH with Host
HOST:PORT, and checks the 101 answer: Upgrade, Connection, the Origin, and
Sec-WebSocket-Location exactly wss://HOST:PORT/PATH, as the draft requires of
a secure connection. Sends MESSAGE as a text frame, expects it echoed, sends
the closing frame FF 00 and expects FF 00 or the end of the connection.

Prints "tls VERSION" (as negotiated), "location URL", "< MESSAGE" and "closed"
as it goes; exits 0 on success, 1 with one stderr line giving the reason, 2 on
bad usage, 4 when this Python's OpenSSL cannot be made to offer that version
at all (nothing was tested). PEER_TIMEOUT (seconds, default 10) bounds each
network wait.
"""

import os
import socket
import ssl
import sys
import warnings

ME = "tls_client.py"
VERSIONS = {"1": "TLSv1", "1.1": "TLSv1_1", "1.2": "TLSv1_2"}
KEY1 = "4 @1  46546xW%0l 1 5"
KEY2 = "12998 5 Y3 1  .P00"
KEY3 = b"^n:ds[4U"
ANSWER = b"8jKS'y:G*Co,Wxa-"


def fail(reason, code=1):
    print(f"{ME}: {reason}", file=sys.stderr)
    sys.exit(code)


def main():
    args = sys.argv[1:]
    if len(args) != 6 or args[0] != "--tls" or args[1] not in VERSIONS or not args[3].isdigit() \
            or not args[4].startswith("/"):
        print(f"usage: {ME} --tls 1|1.1|1.2 HOST PORT PATH MESSAGE", file=sys.stderr)
        sys.exit(2)
    _, version, host, port, path, message = args
    timeout = float(os.environ.get("PEER_TIMEOUT") or 10)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 are, on purpose
        try:
            tls_version = getattr(ssl.TLSVersion, VERSIONS[version])
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.minimum_version = tls_version
            context.maximum_version = tls_version
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (AttributeError, ValueError, ssl.SSLError) as error:
            fail(f"this Python's {ssl.OPENSSL_VERSION} cannot offer TLS {version} only: {error}", 4)

    try:
        raw = socket.create_connection((host, int(port)), timeout=timeout)
    except OSError as error:
        fail(f"cannot connect to {host}:{port}: {error}")
    try:
        sock = context.wrap_socket(raw, server_hostname=host)
    except (ssl.SSLError, OSError) as error:
        fail(f"TLS {version} handshake failed: {error}")
    print(f"tls {sock.version()}", flush=True)

    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key2: {KEY2}\r\nUpgrade: WebSocket\r\n"
        f"Sec-WebSocket-Key1: {KEY1}\r\nOrigin: http://example.com\r\n\r\n"
    ).encode("ascii") + KEY3
    buf = b""

    def read_until(done, what):
        nonlocal buf
        while not done():
            try:
                chunk = sock.recv(65536)
            except (OSError, ssl.SSLError) as error:
                fail(f"read error waiting for {what}: {error}")
            if not chunk:
                return False
            buf += chunk
        return True

    sock.sendall(request)
    if not read_until(lambda: b"\r\n\r\n" in buf, "the answer's head"):
        fail(f"connection closed before the answer's head; got {buf[:200]!r}")
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 101 "):
        fail(f"status line {lines[0]!r}, not 101")
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    # The draft's client rules: Upgrade exactly "WebSocket", Connection "upgrade"
    # in any case (nginx answers "Connection: upgrade"), the Origin sent.
    if fields.get("upgrade") != "WebSocket" or (fields.get("connection") or "").lower() != "upgrade":
        fail(f"Upgrade {fields.get('upgrade')!r}, Connection {fields.get('connection')!r}")
    if fields.get("sec-websocket-origin") != "http://example.com":
        fail(f"Sec-WebSocket-Origin {fields.get('sec-websocket-origin')!r}")
    location = fields.get("sec-websocket-location")
    expected = f"wss://{host}:{port}{path}"
    if location != expected:
        fail(f"Sec-WebSocket-Location is {location!r}, expected {expected!r}")
    print(f"location {location}", flush=True)
    if not read_until(lambda: len(buf) >= 16, "the 16-byte answer"):
        fail("connection closed before the 16-byte answer")
    if buf[:16] != ANSWER:
        fail(f"answer {buf[:16]!r}, expected {ANSWER!r}")
    buf = buf[16:]

    sock.sendall(b"\x00" + message.encode("utf-8") + b"\xff")
    if not read_until(lambda: b"\xff" in buf, "the echo"):
        fail("connection closed before the echo")
    frame, _, buf = buf.partition(b"\xff")
    if frame != b"\x00" + message.encode("utf-8"):
        fail(f"echo frame {frame!r}")
    print(f"< {message}", flush=True)

    sock.sendall(b"\xff\x00")
    read_until(lambda: len(buf) >= 2, "the closing frame")
    if buf not in (b"", b"\xff\x00"):
        fail(f"after the close: {buf!r}, expected FF 00 or the end")
    print("closed", flush=True)
    sock.close()


if __name__ == "__main__":
    main()
