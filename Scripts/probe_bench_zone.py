#!/usr/bin/env python3
"""Prints probebench.test for the probe benchmark: eight.probebench.test with 4 tiers x 2 hosts,
one.probebench.test with one host (both on the slow server, 200 ms per EHLO), and many.probebench.test with N hosts in 10 tiers. Every host
is one of the loopback SMTP servers of Scripts/smtp_servers.py (127.0.0.2, .4 and .6)."""
import sys

n = int(sys.argv[1])
servers = ["127.0.0.2", "127.0.0.4", "127.0.0.6"]
print("$ORIGIN probebench.test.\n$TTL 3600")
print("@ IN SOA ns1.mxray.test. hostmaster.mxray.test. 1 7200 3600 1209600 60\n  IN NS ns1.mxray.test.")
print('_dmarc IN TXT "v=DMARC1; p=reject; psd=n"')
for i in range(8):
    print(f"eight IN MX {10 * (i // 2 + 1)} h{i}.eight.probebench.test.\nh{i}.eight IN A 127.0.0.10")
print("one IN MX 10 h0.one.probebench.test.\nh0.one IN A 127.0.0.10")
for i in range(n):
    print(f"many IN MX {10 * (i % 10 + 1)} h{i}.many.probebench.test.\nh{i}.many IN A {servers[i % 3]}")
