#!/usr/bin/env python3
"""tests/support/flood.py: a bounded connection flood on loopback, for test_flood.sh and
bench/flood.

usage: flood.py PORT CA [--idle N] [--tls N] [--sources N] [--healthz]
  --idle N     N TCP connections that never send a byte (default 4200)
  --tls N      N TLS connections without a client certificate (default 500); with --healthz each
               sends GET /healthz once and keeps the connection
  --sources N  spread the connections over N source addresses: 127.0.0.1, then 127.0.1.1 ...
               (default 1: all from 127.0.0.1)

Opens every connection, prints "flooded idle=I tls=T failed=F elapsed_ms=E", then holds them
until a line arrives on stdin (or stdin closes), then counts how many the daemon had closed
meanwhile, prints "held idle=I tls=T closed_by_daemon=C", closes them all and exits 0. Every
socket operation has a timeout; nothing is sent anywhere but 127.0.0.0/8."""
import argparse, resource, select, socket, ssl, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("port", type=int)
parser.add_argument("ca")
parser.add_argument("--idle", type=int, default=4200)
parser.add_argument("--tls", type=int, default=500)
parser.add_argument("--sources", type=int, default=1)
parser.add_argument("--healthz", action="store_true")
args = parser.parse_args()
if args.idle + args.tls > 20000 or args.sources < 1 or args.sources > 250:
    sys.exit("flood.py: at most 20,000 connections from at most 250 addresses")

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
wanted = args.idle + args.tls + 64
if soft < wanted:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def source(index):
    return "127.0.0.1" if index % args.sources == 0 else "127.0.1.%d" % (index % args.sources)


def connect(index):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(20)
    sock.bind((source(index), 0))
    sock.connect(("127.0.0.1", args.port))
    return sock


started = time.monotonic()
idle, tls, failed = [], [], 0
for index in range(args.idle):
    try:
        idle.append(connect(index))
    except OSError:
        failed += 1
context = ssl.create_default_context(cafile=args.ca)
context.check_hostname = False
for index in range(args.tls):
    try:
        sock = context.wrap_socket(connect(args.idle + index))
        if args.healthz:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(65536)
        tls.append(sock)
    except OSError:  # ssl.SSLError is an OSError: evicted before or during the handshake
        failed += 1
print("flooded idle=%d tls=%d failed=%d elapsed_ms=%d"
      % (len(idle), len(tls), failed, (time.monotonic() - started) * 1000), flush=True)

sys.stdin.readline()
closed = 0
poller = select.poll()  # select() stops at 1,024 descriptors
for sock in idle + tls:
    poller.register(sock, select.POLLIN)
readable = {fd for fd, _ in poller.poll(0)}
for sock in idle + tls:
    if sock.fileno() not in readable:
        continue
    try:
        sock.settimeout(1)
        if sock.recv(1) == b"":
            closed += 1
    except (ssl.SSLError, OSError):
        closed += 1
print("held idle=%d tls=%d closed_by_daemon=%d" % (len(idle), len(tls), closed), flush=True)
for sock in idle + tls:
    sock.close()
