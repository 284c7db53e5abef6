#!/usr/bin/env bash
# The C libraries the build links (Debian's -dev packages), installed when missing: libxml2 (the
# DMARC report reader's SAX2 parser) and zlib (ZIPFoundation on Linux).
set -euo pipefail
missing=()
for package in libxml2-dev zlib1g-dev pkg-config; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing Debian's ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
