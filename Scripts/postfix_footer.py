#!/usr/bin/env python3
"""The gateway's content filter in the milter end-to-end test: appends a footer to the body (the
change that breaks the sender's DKIM signature) and hands the message back to the gateway's
second smtpd over SMTP. Exit 75 (EX_TEMPFAIL) on any failure, so Postfix keeps the message.

    postfix_footer.py PORT SENDER RECIPIENT...
"""
import smtplib
import sys

FOOTER = b"\r\n-- \r\nScanned by the gateway of mxray.test\r\n"

try:
    port, sender, recipients = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    message = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.sendmail(sender, recipients, message + FOOTER)
except Exception as error:  # noqa: BLE001 - any failure is a temporary one for Postfix
    print("footer filter: %s" % error, file=sys.stderr)
    sys.exit(75)
