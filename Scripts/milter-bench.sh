#!/usr/bin/env bash
# The milter under load on loopback, against OpenDKIM from Debian at the same load: nsd serves the
# keys, mxray milter (release build) runs verify and verify+seal listeners, OpenDKIM runs in
# verify mode (its own resolver, libunbound, asking the same nsd, with its query cache on),
# and `mxray-bench milter` drives each with 10 KB signed messages, reporting messages/s, latency
# percentiles and the server's CPU per message.
#   Scripts/milter-bench.sh [MESSAGES] [CONNECTIONS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
messages="${1:-5000}"
connections="${2:-16}"
source "$here/lib.sh"
swift build -c release >/dev/null
work="$(mktemp -d /tmp/mxray-milter-bench.XXXXXX)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    "$here/nsd.sh" stop "$work" || true
    rm -rf "$work"
}
trap cleanup EXIT
# OpenDKIM's resolver (libunbound) asks port 53, so nsd serves the keys there, on loopback only.
dns_port=53
"$here/nsd.sh" start "$work" "$dns_port"

verify_port="$(free_port)" seal_port="$(free_port)"
cat > "$work/milter.yaml" <<YAML
dns:
  nameservers: ["127.0.0.1:$dns_port"]
listeners:
  - listen: inet:127.0.0.1:$verify_port
    roles: [verify]
    authserv_id: bench.mxray.test
  - listen: inet:127.0.0.1:$seal_port
    roles: [verify, seal]
    authserv_id: bench.mxray.test
    seal: {domain: mxray.test, selector: rsa2026, key: $PWD/Examples/keys/rsa2048.pem}
YAML
start_mxray_milter "$work" "$seal_port"
pids+=("$mxray_pid")

start_opendkim_verifier "$work"
pids+=("$opendkim_pid")

bench() { .build/release/mxray-bench milter --messages "$messages" --connections "$connections" "$@"; }
# A warm-up pass each, so both resolvers have the key cached, then the measured runs.
bench --target "inet:127.0.0.1:$verify_port" --messages 200 --label warm-up >/dev/null
bench --target "inet:127.0.0.1:$opendkim_port" --messages 200 --label warm-up >/dev/null
bench --target "inet:127.0.0.1:$verify_port" --pid "$mxray_pid" --label "mxray milter verify (SPF, DKIM, ARC, DMARC)"
bench --target "inet:127.0.0.1:$seal_port" --pid "$mxray_pid" --label "mxray milter verify+seal (RSA-2048 ARC set)"
bench --target "inet:127.0.0.1:$opendkim_port" --pid "$opendkim_pid" --label "OpenDKIM 2.11 verify (DKIM only)"
