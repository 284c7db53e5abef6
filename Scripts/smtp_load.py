#!/usr/bin/env python3
"""Sends one message COUNT times to an SMTP server over SESSIONS concurrent sessions, then waits
(bounded) until COUNT files have been delivered to MAILDIR/new, and prints one JSON line: messages
per second at SMTP acceptance and at delivery, and the SMTP transaction's latency percentiles
(MAIL FROM to the reply after the final dot: in Postfix that includes the milter's work).

    smtp_load.py HOST PORT MESSAGE_FILE COUNT SESSIONS MAILDIR [TIMEOUT_SECONDS] [PER_CONNECTION]

PER_CONNECTION (default 0: all of a session's messages on one connection) reconnects after that
many messages, as MTAs that send one message per connection do.
"""
import json
import os
import smtplib
import sys
import threading
import time


def main():
    host, port, message_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    count, sessions, maildir = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    timeout = float(sys.argv[7]) if len(sys.argv) > 7 else 300.0
    per_connection = int(sys.argv[8]) if len(sys.argv) > 8 else 0
    with open(message_file, "rb") as f:
        data = f.read()
    latencies, errors, lock = [], [], threading.Lock()
    shares = [count // sessions + (1 if i < count % sessions else 0) for i in range(sessions)]

    def session(share):
        try:
            client = smtplib.SMTP(host, port, timeout=60)
            client.ehlo("load.mxray.test")
            for n in range(share):
                if per_connection and n and n % per_connection == 0:
                    client.quit()
                    client = smtplib.SMTP(host, port, timeout=60)
                    client.ehlo("load.mxray.test")
                begin = time.perf_counter()
                try:
                    client.sendmail("alice@mxray.test", ["bob@mxray.test"], data)
                    with lock:
                        latencies.append(time.perf_counter() - begin)
                except smtplib.SMTPException as error:
                    with lock:
                        errors.append(str(error))
            client.quit()
        except (OSError, smtplib.SMTPException) as error:
            with lock:
                errors.append(str(error))

    def delivered():
        try:
            return len(os.listdir(os.path.join(maildir, "new")))
        except FileNotFoundError:
            return 0

    already = delivered()
    start = time.perf_counter()
    threads = [threading.Thread(target=session, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = time.perf_counter() - start
    accepted = len(latencies)
    deadline = time.perf_counter() + timeout
    while delivered() - already < accepted and time.perf_counter() < deadline:
        time.sleep(0.02)
    done = time.perf_counter() - start
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2) if latencies else None

    print(json.dumps({
        "accepted": accepted, "errors": len(errors), "first_error": errors[0] if errors else None,
        "delivered": delivered() - already, "accepted_per_s": round(accepted / sent, 1),
        "delivered_per_s": round((delivered() - already) / done, 1),
        "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
    }))
    return 0 if not errors and delivered() - already == accepted == count else 1


if __name__ == "__main__":
    sys.exit(main())
