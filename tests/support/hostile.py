#!/usr/bin/env python3
"""tests/support/hostile.py: raw TLS/TCP clients for test_hostile.sh (hostile and broken clients).
usage: hostile.py ATTACK PORT CA CERT KEY [N]. Prints one line, the observation, and exits 0;
the shell test judges it. Every wait is bounded by a socket timeout."""
import re, socket, ssl, sys

attack, port, ca, cert, key = sys.argv[1:6]
count = int(sys.argv[6]) if len(sys.argv) > 6 and sys.argv[6].isdigit() else 1


def tls():
    context = ssl.create_default_context(cafile=ca)
    context.check_hostname = False
    context.load_cert_chain(cert, key)
    raw = socket.create_connection(("127.0.0.1", int(port)), timeout=20)
    return context.wrap_socket(raw)


def read_all(sock, limit=1 << 20):
    data = b""
    try:
        while len(data) < limit:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError, ssl.SSLError, OSError):
        pass
    return data


def statuses(data):  # a status line may follow the previous body without a line break
    return " ".join(match.decode() for match in re.findall(rb"HTTP/1\.1 ([0-9]{3}) ", data))


if attack == "slowloris":  # headers dribbled one byte at a time, never finished
    sock = tls()
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 400
    sent = 0
    sock.settimeout(0.05)
    answer = b""
    for byte in request:
        try:
            sock.sendall(bytes([byte]))
            sent += 1
            answer += sock.recv(65536)
        except socket.timeout:
            continue
        except (ssl.SSLError, OSError):
            break
        if answer:
            break
    sock.settimeout(5)
    answer += read_all(sock)
    print("sent=%d of %d statuses=%s" % (sent, len(request), statuses(answer) or "none"))
elif attack == "handshake":  # TCP connections that never start (or finish) TLS
    socks = [socket.create_connection(("127.0.0.1", int(port)), timeout=20) for _ in range(count)]
    for index, sock in enumerate(socks):
        if index % 2:
            sock.sendall(b"\x16\x03\x01\x00\xff\x01\x00")  # the start of a ClientHello
    closed = sum(1 for sock in socks if read_all(sock) == b"")
    print("closed=%d of %d" % (closed, count))
elif attack == "flood":  # many connections at once; the daemon keeps at most connections_max
    socks = []
    for _ in range(count):
        try:
            socks.append(socket.create_connection(("127.0.0.1", int(port)), timeout=20))
        except OSError:
            pass
    closed = sum(1 for sock in socks if read_all(sock) == b"")
    print("opened=%d closed=%d" % (len(socks), closed))
elif attack == "idle":  # keep-alive connections left idle after one request each
    socks = []
    for _ in range(count):
        sock = tls()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        sock.recv(65536)
        socks.append(sock)
    closed = sum(1 for sock in socks if read_all(sock) == b"")
    print("closed=%d of %d" % (closed, count))
else:  # raw: send the bytes of file ATTACK on one TLS connection, print the statuses
    # (and with N = "codes", the error codes of the answers too: "statuses=400 codes=bad_request")
    with open(attack, "rb") as file:
        payload = file.read()
    sock = tls()
    sock.settimeout(10)
    try:
        sock.sendall(payload)
    except (ssl.SSLError, OSError):
        pass
    answer = read_all(sock)
    line = "statuses=%s" % (statuses(answer) or "none")
    if len(sys.argv) > 6 and sys.argv[6] == "codes":
        codes = re.findall(rb'"code":"([a-z_]+)"', answer)
        line += " codes=%s" % (" ".join(code.decode() for code in codes) or "none")
    print(line)
