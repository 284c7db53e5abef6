#!/usr/bin/env python3
"""Prints a zone of N mail domains under bench.test for the audit benchmark:
d0.bench.test ... d{N-1}.bench.test, each with two MX tiers, SPF, DMARC, MTA-STS and TLS-RPT
records, sharing four MX hosts."""
import sys

n = int(sys.argv[1])
print("$ORIGIN bench.test.\n$TTL 3600")
print("@ IN SOA ns1.mxray.test. hostmaster.mxray.test. 1 7200 3600 1209600 60")
print("  IN NS ns1.mxray.test.")
print('_dmarc IN TXT "v=DMARC1; p=reject; psd=n"')
for i, host in enumerate(["mx1", "mx2", "mx3", "mx4"]):
    print(f"{host} IN A 192.0.2.{10 + i}")
for i in range(n):
    d = f"d{i}"
    print(f"{d} IN MX 10 mx1.bench.test.\n{d} IN MX 10 mx2.bench.test.\n{d} IN MX 20 mx3.bench.test.\n{d} IN MX 20 mx4.bench.test.")
    print(f'{d} IN TXT "v=spf1 ip4:192.0.2.0/24 -all"')
    print(f'_dmarc.{d} IN TXT "v=DMARC1; p=reject; psd=n"')
    print(f'_mta-sts.{d} IN TXT "v=STSv1; id={i}"')
    print(f'_smtp._tls.{d} IN TXT "v=TLSRPTv1; rua=mailto:t@{d}.bench.test"')
