#!/usr/bin/env python3
"""DKIM and ARC interoperability with dkimpy (PyPI), driven by the integration suite.

  dkimpy_interop.py verify FILE            validates FILE's ARC chain; prints the cv
  dkimpy_interop.py seal IN OUT HOP        adds an Authentication-Results field for authserv-id
                                           hop<HOP>.example and seals it as that hop
  dkimpy_interop.py dkim-verify FILE       verifies every DKIM-Signature; prints one line each
  dkimpy_interop.py dkim-sign IN OUT ALG   adds a DKIM-Signature, ALG rsa (relaxed/relaxed) or
                                           ed25519 (relaxed/simple)

Keys: MXRAY_INTEROP_KEY (RSA, PEM) signs as MXRAY_INTEROP_SELECTOR._domainkey.MXRAY_INTEROP_DOMAIN,
MXRAY_INTEROP_ED_KEY (Ed25519, PEM) as MXRAY_INTEROP_ED_SELECTOR. MXRAY_INTEROP_TXT and
MXRAY_INTEROP_ED_TXT are the public key records dkimpy's DNS lookups are answered with (no network).
Exit status: 0 when what was verified passes (or a seal or signature was written), 1 when not, 2 on error.
"""
import base64
import os
import sys

import dkim

domain = os.environ["MXRAY_INTEROP_DOMAIN"].encode()
records = {
    os.environ["MXRAY_INTEROP_SELECTOR"].encode() + b"._domainkey." + domain: os.environ["MXRAY_INTEROP_TXT"],
}
if os.environ.get("MXRAY_INTEROP_ED_SELECTOR"):
    records[os.environ["MXRAY_INTEROP_ED_SELECTOR"].encode() + b"._domainkey." + domain] = \
        os.environ["MXRAY_INTEROP_ED_TXT"]


def dnsfunc(name, timeout=5):
    found = records.get(name.rstrip(b".").lower())
    return found.encode() if found else None


def ed25519_seed(path):
    """dkimpy takes an Ed25519 key as the base64 of its 32-byte seed: the end of the PKCS #8 DER."""
    body = "".join(line for line in open(path) if not line.startswith("-----"))
    return base64.b64encode(base64.b64decode(body)[-32:])


def main():
    mode = sys.argv[1]
    message = open(sys.argv[2], "rb").read()
    if mode == "verify":
        cv, results, comment = dkim.arc_verify(message, dnsfunc=dnsfunc)
        print(cv.decode(), comment)
        return 0 if cv == b"pass" else 1
    if mode == "seal":
        hop = sys.argv[4]
        srv = ("hop%s.example" % hop).encode()
        # dkimpy takes the chain's validation for cv= from this hop's Authentication-Results (arc=),
        # as a gateway's own verifier would have written it.
        results = b"spf=pass smtp.mailfrom=alice@example.com"
        if b"ARC-Seal:" in message:
            cv, _, _ = dkim.arc_verify(message, dnsfunc=dnsfunc)
            results += b"; arc=" + cv
        message = b"Authentication-Results: " + srv + b"; " + results + b"\r\n" + message
        key = open(os.environ["MXRAY_INTEROP_KEY"], "rb").read()
        selector = os.environ["MXRAY_INTEROP_SELECTOR"].encode()
        headers = dkim.arc_sign(message, selector, domain, key, srv, timestamp=1790000000 + int(hop))
        if not headers:
            print("dkimpy did not seal (the chain already failed?)")
            return 1
        open(sys.argv[3], "wb").write(b"".join(headers) + message)
        return 0
    if mode == "dkim-verify":
        checker = dkim.DKIM(message)
        count = len([h for h in checker.headers if h[0].lower() == b"dkim-signature"])
        results = [checker.verify(idx=i, dnsfunc=dnsfunc) for i in range(count)]
        for i, ok in enumerate(results):
            print("signature %d: %s" % (i, "pass" if ok else "fail"))
        return 0 if results and all(results) else 1
    if mode == "dkim-sign":
        if sys.argv[4] == "ed25519":
            selector = os.environ["MXRAY_INTEROP_ED_SELECTOR"].encode()
            key, canon = ed25519_seed(os.environ["MXRAY_INTEROP_ED_KEY"]), (b"relaxed", b"simple")
            algorithm = b"ed25519-sha256"
        else:
            selector = os.environ["MXRAY_INTEROP_SELECTOR"].encode()
            key, canon = open(os.environ["MXRAY_INTEROP_KEY"], "rb").read(), (b"relaxed", b"relaxed")
            algorithm = b"rsa-sha256"
        signature = dkim.sign(message, selector, domain, key, canonicalize=canon, signature_algorithm=algorithm,
                              include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
        open(sys.argv[3], "wb").write(signature + message)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
