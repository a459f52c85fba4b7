#!/usr/bin/env python3
"""tests/support/webhook_receiver.py: a webhook receiver for tests (127.0.0.1, port chosen by
the kernel, written to fd 3 once listening).

Usage: webhook_receiver.py LOG PLAN
Each POST is logged to LOG as one JSON line: {"answer", "event_id", "signature", "body"}.
PLAN is a file of words read at each request: the first word is used up and decides the answer
("fail": 500, "timeout": answer only after 1.5 s, "ok": 200); an empty PLAN means "ok".
"""
import http.server
import json
import os
import sys
import threading
import time

LOG, PLAN = sys.argv[1], sys.argv[2]
lock = threading.Lock()


def next_answer():
    with lock:
        try:
            with open(PLAN) as plan:
                words = plan.read().split()
        except FileNotFoundError:
            words = []
        if not words:
            return "ok"
        with open(PLAN, "w") as plan:
            plan.write(" ".join(words[1:]))
        return words[0]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        answer = next_answer()
        with lock, open(LOG, "a") as log:
            log.write(json.dumps({"answer": answer,
                                  "event_id": self.headers.get("Loyalty-Event-Id"),
                                  "signature": self.headers.get("Loyalty-Signature"),
                                  "body": body.decode()}) + "\n")
        if answer == "timeout":
            time.sleep(1.5)
        status = 500 if answer == "fail" else 200
        try:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass  # the daemon gave up on us already

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with os.fdopen(3, "w") as ready:
    ready.write(f"{server.server_address[1]}\n")
server.serve_forever()
