#!/usr/bin/env python3
"""Writes N distinct DKIM-signed messages of about 10 KB into the cur/ folder of a Maildir.

    Scripts/signed_maildir.py N MAILDIR

Each message has its own Message-ID, subject and body, and is signed by dkimpy (relaxed/relaxed,
rsa-sha256) with Examples/keys/rsa2048.pem as rsa2026._domainkey.example.com, the key published in
Examples/cold-backup.zone. Signing runs on every core; files already present are kept, so a second
run with the same N is quick.
"""
import os
import sys
from multiprocessing import Pool

import dkim

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = open(os.path.join(HERE, "..", "Examples", "keys", "rsa2048.pem"), "rb").read()
WORDS = "quarterly numbers revenue margin forecast pipeline region growth churn budget".split()


def message(i):
    lines = []
    for n in range(130):
        words = [WORDS[(i * 7 + n * 3 + k) % len(WORDS)] for k in range(10)]
        lines.append(f"{n:03d} {i} " + " ".join(words))
    body = "\r\n".join(lines) + "\r\n"
    head = (
        "From: Alice <alice@example.com>\r\n"
        "To: Bob <bob@example.net>\r\n"
        f"Subject: Report {i}\r\n"
        "Date: Sun, 29 Nov 2026 09:00:00 +0000\r\n"
        f"Message-ID: <{i}.bench@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return (head + body).encode()


def write(args):
    i, folder = args
    path = os.path.join(folder, f"1764406800.{i:06d}.bench:2,S")
    if os.path.exists(path):
        return
    raw = message(i)
    signature = dkim.sign(
        raw, b"rsa2026", b"example.com", KEY, canonicalize=(b"relaxed", b"relaxed"),
        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    with open(path + ".tmp", "wb") as f:
        f.write(signature + raw)
    os.rename(path + ".tmp", path)


def main():
    n, maildir = int(sys.argv[1]), sys.argv[2]
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    folder = os.path.join(maildir, "cur")
    with Pool() as pool:
        pool.map(write, ((i, folder) for i in range(n)), chunksize=200)


if __name__ == "__main__":
    main()
