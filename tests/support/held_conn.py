#!/usr/bin/env python3
"""tests/support/held_conn.py: one TLS keep-alive connection held open for a shell test.
usage: held_conn.py PORT CA CERT KEY. Reads lines on stdin: "GET PATH" or "POST PATH KEY BODY"
sends that request on the same connection and prints the answer's status; "closed" when the
daemon closed the connection instead; "quit" ends. Every wait is bounded by a socket timeout."""
import re, socket, ssl, sys

port, ca, cert, key = sys.argv[1:5]
context = ssl.create_default_context(cafile=ca)
context.check_hostname = False
context.load_cert_chain(cert, key)
sock = context.wrap_socket(socket.create_connection(("127.0.0.1", int(port)), timeout=20))


def answer():
    data = b""
    while True:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            length = re.search(rb"Content-Length: ([0-9]+)", data[:head_end], re.I)
            if len(data) >= head_end + 4 + int(length.group(1) if length else 0):
                return data.split(b" ")[1].decode()
        try:
            chunk = sock.recv(65536)
        except (ssl.SSLError, OSError):
            chunk = b""
        if not chunk:
            return "closed"
        data += chunk


for line in sys.stdin:
    words = line.rstrip("\n").split(" ", 3)
    if words[0] == "quit":
        break
    if words[0] == "GET":
        request = "GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % words[1]
    else:
        body = words[3]
        request = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Idempotency-Key: %s\r\nContent-Length: %d\r\n\r\n%s"
                   % (words[1], words[2], len(body.encode()), body))
    try:
        sock.sendall(request.encode())
        print(answer(), flush=True)
    except (ssl.SSLError, OSError):
        print("closed", flush=True)
