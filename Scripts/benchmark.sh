#!/usr/bin/env bash
# Release-build benchmarks against nsd on loopback (DNS, DKIM, SPF, verify, audit, probe, long
# audit runs). Prints figures for BENCHMARKS.md.
#   Scripts/benchmark.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."

swift build -c release --product mxray-bench
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
work="$(mktemp -d /tmp/mxray-bench.XXXXXX)"
cleanup() {
    "$here/nsd.sh" stop "$work" || true
    if [ -f "$work/smtp.pid" ]; then kill "$(cat "$work/smtp.pid")" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
# A generated zone of 10,001 domains for the audit benchmark (not committed: it is made here).
mkdir -p "$work/extra"
python3 "$here/bench_zone.py" 10001 > "$work/extra/bench.test.zone"
python3 "$here/probe_bench_zone.py" 1000 > "$work/extra/probebench.test.zone"
MXRAY_EXTRA_ZONES="$work/extra" "$here/nsd.sh" start "$work" "$port"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
for concurrency in 1 16 64 256; do
    .build/release/mxray-bench dns-uncached --nameserver "127.0.0.1:$port" --queries 200000 --concurrency "$concurrency"
done
.build/release/mxray-bench dns-cached --nameserver "127.0.0.1:$port" --lookups 5000000 --names 1000
.build/release/mxray-bench dkim-verify --algorithm rsa-sha256 --messages 50000
.build/release/mxray-bench dkim-verify --algorithm ed25519-sha256 --messages 50000
.build/release/mxray-bench spf-evaluate --nameserver "127.0.0.1:$port" --evaluations 500000
.build/release/mxray-bench spf-evaluate --nameserver "127.0.0.1:$port" --evaluations 500000 --trace off
.build/release/mxray-bench verify --nameserver "127.0.0.1:$port" --messages 20000
.build/release/mxray-bench audit --nameserver "127.0.0.1:$port" --domains 10000 --concurrency 64
# The JSON line `mxray audit --json` writes for each domain, against Foundation's JSONEncoder.
.build/release/mxray-bench json-encode --zone Examples/healthy-two-vendor.zone --reports 100000

# SMTP probe: loopback SMTP servers (aiosmtpd) with a throwaway CA.
"$here/test_ca.sh" "$work/ca"
python3 -c "import aiosmtpd, cryptography" 2>/dev/null || python3 -m pip install -q aiosmtpd cryptography
smtp_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
python3 "$here/smtp_servers.py" "$work/ca" "$smtp_port" 2>"$work/smtp.log" &
echo $! > "$work/smtp.pid"
sleep 2
for domain in one.probebench.test eight.probebench.test; do
    .build/release/mxray-bench probe --nameserver "127.0.0.1:$port" --domain "$domain" --port "$smtp_port" --ca-file "$work/ca/ca.pem" --repeats 5
done
.build/release/mxray-bench probe --nameserver "127.0.0.1:$port" --domain many.probebench.test --port "$smtp_port" --ca-file "$work/ca/ca.pem" --concurrency 64 --repeats 1

# Long runs: whole-command audits of generated zones of 10,000 and 100,000 domains, domains/s and
# peak memory for each (the 1,000,000-domain figures in BENCHMARKS.md come from
# `Scripts/long-run-bench.sh 10000 100000 1000000`).
"$here/long-run-bench.sh" 10000 100000
