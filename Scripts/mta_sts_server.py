#!/usr/bin/env python3
"""MTA-STS policy servers for the integration suite, on loopback only.

  mta_sts_server.py DIR PORT
    DIR holds ca.pem, server.pem and server.key (made by Scripts/test_ca.sh).
    127.0.0.1:PORT serves HTTPS and answers by Host name:
      mta-sts.good.audit.test       200 text/plain, a policy listing both tiers
      mta-sts.partial.audit.test    200 text/plain, a policy listing the first tier only
      mta-sts.probe.test            200 text/plain, enforce mode for *.probe.test
      mta-sts.watch.audit.test      200 text/plain, DIR/watch-policy.txt as it is at each request
      mta-sts.redirect.audit.test   301 to another URL (must not be followed)
      mta-sts.mediatype.audit.test  200 text/html
      mta-sts.big.audit.test        200 text/plain of 100 KB (over the 64 KB bound)
      anything else                 404
    127.0.0.2:PORT accepts TCP connections and never answers (a stalled server).
Runs until killed.
"""
import http.server
import socket
import ssl
import sys
import threading

directory, port = sys.argv[1], int(sys.argv[2])

POLICIES = {
    "mta-sts.good.audit.test": "version: STSv1\r\nmode: enforce\r\nmx: *.pphosted.com\r\nmx: eu-1.mimecast.com\r\nmax_age: 86400\r\n",
    "mta-sts.partial.audit.test": "version: STSv1\r\nmode: enforce\r\nmx: *.pphosted.com\r\nmax_age: 86400\r\n",
    "mta-sts.probe.test": "version: STSv1\r\nmode: enforce\r\nmx: *.probe.test\r\nmax_age: 86400\r\n",
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        if self.path != "/.well-known/mta-sts.txt":
            return self.reply(404, "text/plain", b"not found")
        if host == "mta-sts.watch.audit.test":
            with open(directory + "/watch-policy.txt", "rb") as f:
                return self.reply(200, "text/plain", f.read())
        if host in POLICIES:
            return self.reply(200, "text/plain; charset=utf-8", POLICIES[host].encode())
        if host == "mta-sts.redirect.audit.test":
            self.send_response(301)
            self.send_header("Location", "https://mta-sts.good.audit.test/.well-known/mta-sts.txt")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if host == "mta-sts.mediatype.audit.test":
            return self.reply(200, "text/html", b"<html>" + POLICIES["mta-sts.good.audit.test"].encode() + b"</html>")
        if host == "mta-sts.big.audit.test":
            body = POLICIES["mta-sts.good.audit.test"].encode() + b"x: " + b"y" * (100 * 1024) + b"\r\n"
            return self.reply(200, "text/plain", body)
        self.reply(404, "text/plain", b"unknown host")

    def reply(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def stall():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.2", port))
    listener.listen(16)
    held = []
    while True:
        connection, _ = listener.accept()
        held.append(connection)  # never read, never answer, never close


threading.Thread(target=stall, daemon=True).start()
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(f"{directory}/server.pem", f"{directory}/server.key")
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"mta-sts server: https on 127.0.0.1:{port}, stall on 127.0.0.2:{port}", file=sys.stderr, flush=True)
server.serve_forever()
