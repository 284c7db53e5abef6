#!/usr/bin/env bash
# The latency lab for bulk audits (issue #15). nsd on loopback serves DOMAINS generated mail
# domains (Scripts/bench_zone.py); `mxray-bench dns-lab` answers for it on 127.0.0.77:53, holding
# each query 30-150 ms (uniform) before nsd sees it and dropping a share LOSS of the replies. The
# kernel here has no netem, so the delay is a forwarding proxy on loopback rather than a network
# namespace. dnsperf (Debian) measures what the lab itself can answer; `mxray audit --offline` then
# runs over the whole list at increasing --concurrency (domains/s, and how many domains reported a
# DNS failure); checkdmarc (PyPI) audits the first 100 domains through the same lab as the peer.
#   Scripts/latency-lab.sh [DOMAINS] [LOSS]
# Environment: CONCURRENCY (default "64 256 1024 4096"), DNS_TIMEOUT (2), DNS_ATTEMPTS (3) and
# DNS_MAX_IN_FLIGHT (4096) for mxray, PEER=0 to leave checkdmarc out. Each run also prints mxray's
# query outcome counts (--dns-stats) and the lab's own counts.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
domains="${1:-20000}"
loss="${2:-0.01}"
source "$here/lib.sh"
command -v dnsperf >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsperf >/dev/null
command -v checkdmarc >/dev/null 2>&1 || python3 -m pip install -q checkdmarc
swift build -c release >/dev/null
work="$(mktemp -d /tmp/mxray-latency-lab.XXXXXX)"
lab_pid=""
cleanup() {
    [ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null || true
    "$here/nsd.sh" stop "$work" || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/extra"
python3 "$here/bench_zone.py" "$domains" > "$work/extra/bench.test.zone"
port="$(free_port)"
MXRAY_EXTRA_ZONES="$work/extra" "$here/nsd.sh" start "$work" "$port" >/dev/null
.build/release/mxray-bench dns-lab --listen 127.0.0.77:53 --upstream "127.0.0.1:$port" --loss "$loss" \
    --report 5 2>"$work/lab.log" >/dev/null &
lab_pid=$!
sleep 1
python3 -c "import sys; n=int(sys.argv[1]); [print(f'd{i}.bench.test') for i in range(n)]" "$domains" > "$work/domains"

echo "lab: answers 30-150 ms late (each query held before nsd), $loss of them dropped; $domains domains"
python3 -c "
import sys
for i in range(int(sys.argv[1])):
    print(f'd{i}.bench.test MX'); print(f'_dmarc.d{i}.bench.test TXT')" "$domains" > "$work/queries"
dnsperf -s 127.0.0.77 -p 53 -d "$work/queries" -l 15 -q 4000 -t 3 2>&1 \
    | grep -E 'Queries (sent|completed|lost)|Queries per second|Average Latency' | sed 's/^/dnsperf: /'

for concurrency in ${CONCURRENCY:-64 256 1024 4096}; do
    start="$(date +%s.%N)"
    .build/release/mxray audit --domains-file "$work/domains" --nameserver 127.0.0.77 --offline --json \
        --fail-on never --concurrency "$concurrency" --dns-timeout "${DNS_TIMEOUT:-2}" \
        --dns-attempts "${DNS_ATTEMPTS:-3}" --dns-max-in-flight "${DNS_MAX_IN_FLIGHT:-4096}" --dns-stats \
        > "$work/out.jsonl" 2> "$work/stats"
    end="$(date +%s.%N)"
    python3 - "$work/out.jsonl" "$start" "$end" "$concurrency" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
seconds = float(sys.argv[3]) - float(sys.argv[2])
failed = sum(1 for l in lines if any(f["id"] == "dns-failure" for f in json.loads(l).get("findings", [])))
print(f"mxray audit --concurrency {sys.argv[4]}: {len(lines)} domains in {seconds:.1f} s = "
      f"{len(lines) / seconds:.0f} domains/s; {failed} reported a DNS failure")
PY
    sed 's/^/  /' "$work/stats"
    tail -1 "$work/lab.log" | sed 's/^/  /'
done

[ "${PEER:-1}" = 0 ] && exit 0
head -100 "$work/domains" > "$work/peer"
start="$(date +%s.%N)"
checkdmarc --skip-tls -n 127.0.0.77 -t 1 --retries 2 -f json "$work/peer" > "$work/checkdmarc.json" 2>/dev/null || true
end="$(date +%s.%N)"
python3 - "$work/checkdmarc.json" "$start" "$end" <<'PY'
import json, sys
seconds = float(sys.argv[3]) - float(sys.argv[2])
try:
    results = json.load(open(sys.argv[1]))
except ValueError:
    results = []
results = results if isinstance(results, list) else [results]
print(f"checkdmarc 100 domains: {len(results)} results in {seconds:.1f} s = {len(results) / seconds:.1f} domains/s")
PY
