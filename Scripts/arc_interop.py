#!/usr/bin/env python3
"""ARC interoperability with dkimpy (PyPI), driven by the integration suite.

  arc_interop.py verify FILE            validates FILE's ARC chain with dkimpy; prints the cv
  arc_interop.py seal IN OUT HOP        adds an Authentication-Results field for authserv-id
                                        hop<HOP>.example and seals it with dkimpy as that hop

Keys: MXRAY_INTEROP_KEY (PEM file) signs as MXRAY_INTEROP_SELECTOR._domainkey.MXRAY_INTEROP_DOMAIN;
MXRAY_INTEROP_TXT is the public key record dkimpy's DNS lookups are answered with (no network).
Exit status: 0 when a verified chain passes (or a seal was written), 1 when it does not, 2 on error.
"""
import os
import sys

import dkim

selector = os.environ["MXRAY_INTEROP_SELECTOR"].encode()
domain = os.environ["MXRAY_INTEROP_DOMAIN"].encode()
txt = os.environ["MXRAY_INTEROP_TXT"].encode()


def dnsfunc(name, timeout=5):
    want = selector + b"._domainkey." + domain
    return txt if name.rstrip(b".").lower() == want.lower() else None


def main():
    mode = sys.argv[1]
    if mode == "verify":
        message = open(sys.argv[2], "rb").read()
        cv, results, comment = dkim.arc_verify(message, dnsfunc=dnsfunc)
        print(cv.decode(), comment)
        return 0 if cv == b"pass" else 1
    if mode == "seal":
        message = open(sys.argv[2], "rb").read()
        hop = sys.argv[4]
        srv = ("hop%s.example" % hop).encode()
        # dkimpy takes the chain's validation for cv= from this hop's Authentication-Results (arc=),
        # as a gateway's own verifier would have written it.
        results = b"spf=pass smtp.mailfrom=alice@example.com"
        if b"ARC-Seal:" in message:
            cv, _, _ = dkim.arc_verify(message, dnsfunc=dnsfunc)
            results += b"; arc=" + cv
        ar = b"Authentication-Results: " + srv + b"; " + results + b"\r\n"
        message = ar + message
        key = open(os.environ["MXRAY_INTEROP_KEY"], "rb").read()
        headers = dkim.arc_sign(message, selector, domain, key, srv, timestamp=1790000000 + int(hop))
        if not headers:
            print("dkimpy did not seal (the chain already failed?)")
            return 1
        open(sys.argv[3], "wb").write(b"".join(headers) + message)
        return 0
    print("usage: arc_interop.py verify FILE | seal IN OUT HOP", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
