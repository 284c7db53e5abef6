#!/usr/bin/env bash
# Makes a throwaway test CA and a server certificate signed by it, for the integration suite.
#   Scripts/test_ca.sh DIR   → DIR/ca.pem, DIR/server.pem, DIR/server.key
# The server certificate names the MTA-STS hosts of the audit scenarios (not wrongname's).
set -euo pipefail
dir="$1"
mkdir -p "$dir"
command -v openssl >/dev/null 2>&1 || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null; }
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mxray test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=mta-sts.good.audit.test" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
cat > "$dir/server.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:mta-sts.good.audit.test,DNS:mta-sts.partial.audit.test,DNS:mta-sts.redirect.audit.test,DNS:mta-sts.mediatype.audit.test,DNS:mta-sts.big.audit.test,DNS:mta-sts.stall.audit.test,DNS:mta-sts.probe.test,DNS:mta-sts.watch.audit.test
EXT
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
