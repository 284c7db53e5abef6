#!/usr/bin/env bash
# Whole-command bulk audits of generated zones of N domains against nsd on loopback: domains/s
# and peak memory (max RSS) for each N, to show that both stay flat as runs grow.
#   Scripts/long-run-bench.sh [N ...]        (default: 10000 100000)
# Each domain has two MX tiers over four shared hosts, SPF, DMARC, MTA-STS and TLS-RPT records
# (Scripts/bench_zone.py); the audit runs offline (no policy fetch) at --concurrency 64.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)

swift build -c release --product mxray >/dev/null
work="$(mktemp -d /tmp/mxray-longrun.XXXXXX)"
cleanup() { "$here/nsd.sh" stop "$work" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
largest=0
for n in "${sizes[@]}"; do [ "$n" -gt "$largest" ] && largest="$n"; done
mkdir -p "$work/extra"
python3 "$here/bench_zone.py" "$largest" > "$work/extra/bench.test.zone"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
# nsd loads the whole generated zone before it answers: about a minute per million domains here.
MXRAY_NSD_WAIT_SECONDS=$(( 30 + largest / 10000 )) MXRAY_EXTRA_ZONES="$work/extra" "$here/nsd.sh" start "$work" "$port"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
for n in "${sizes[@]}"; do
    seq 0 $(( n - 1 )) | sed 's/^/d/; s/$/.bench.test/' > "$work/domains.txt"
    status=0
    /usr/bin/time -f "%e %M" -o "$work/time" .build/release/mxray audit --domains-file "$work/domains.txt" \
        --nameserver "127.0.0.1:$port" --offline --json --concurrency 64 > "$work/out.jsonl" || status=$?
    [ "$status" -le 1 ] || { echo "audit failed with status $status" >&2; exit 1; }
    read -r seconds rss_kb < "$work/time"
    lines=$(wc -l < "$work/out.jsonl")
    failures=$(grep -c '"dns-failure"' "$work/out.jsonl" || true)
    python3 - "$n" "$seconds" "$rss_kb" "$lines" "$failures" <<'PY'
import sys
n, seconds, rss_kb, lines, failures = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"audit {n:>9,} domains: {seconds:8.1f} s, {n / seconds:8,.0f} domains/s, max RSS {rss_kb / 1024:6.0f} MB, "
      f"{lines:,} reports, {failures} with a DNS failure")
PY
done
