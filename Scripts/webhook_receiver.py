#!/usr/bin/env python3
"""A webhook receiver for the watch tests, on 127.0.0.1 only.

    webhook_receiver.py FILE [FAIL_FIRST]

Prints its port, then appends the body of each POST as one line to FILE and answers 204; the
first FAIL_FIRST requests are answered 503 instead (so the sender's retry is exercised)."""
import http.server
import sys

fails = [int(sys.argv[2]) if len(sys.argv) > 2 else 0]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if fails[0] > 0:
            fails[0] -= 1
            self.send_response(503)
            self.end_headers()
            return
        with open(sys.argv[1], "ab") as f:
            f.write(body + b"\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
