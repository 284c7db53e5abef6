#!/usr/bin/env bash
# The integration suite: starts the real servers it needs on loopback (nsd from Debian, installed
# when missing), runs the IntegrationTests target against them, and stops them again.
#   Scripts/integration-test.sh [extra swift test arguments]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."

port="${MXRAY_NSD_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
work="$(mktemp -d /tmp/mxray-integration.XXXXXX)"
cleanup() { "$here/nsd.sh" stop "$work" || true; rm -rf "$work"; }
trap cleanup EXIT

"$here/nsd.sh" start "$work" "$port"
export MXRAY_NSD="127.0.0.1:$port"
if grep -q '::1@' "$work/nsd.conf"; then export MXRAY_NSD6="[::1]:$port"; fi

swift test --filter "IntegrationTests|CLINameserverTests" "$@"
