#!/usr/bin/env bash
# Whole-command message verification (issue #15): `mxray dkim verify` over a Maildir of N distinct
# DKIM-signed messages of about 15 KB, as text and as JSON, against dkimpy verifying the first 2,000
# of the same files in one Python process with the key given from memory (no DNS for either side).
#   Scripts/verify-bench.sh [N]        (default 20000)
# The Maildir is made once by Scripts/signed_maildir.py (dkimpy signs) and kept in
# /tmp/mxray-verify-bench-N for the next run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
n="${1:-20000}"
python3 -c "import dkim" 2>/dev/null || python3 -m pip install -q dkimpy
swift build -c release --product mxray >/dev/null
maildir="/tmp/mxray-verify-bench-$n"
python3 "$here/signed_maildir.py" "$n" "$maildir"
zone=Examples/cold-backup.zone
echo "machine: $(nproc) cores, $(uname -sr); $n messages in $maildir/cur"
for format in text json; do
    flag=""
    [ "$format" = json ] && flag="--json"
    for run in 1 2 3; do
        /usr/bin/time -f "%e %M" -o /tmp/mxray-verify-bench.time \
            .build/release/mxray dkim verify "$maildir" --zone "$zone" $flag > /tmp/mxray-verify-bench.out
        read -r seconds rss_kb < /tmp/mxray-verify-bench.time
        if [ "$format" = json ]; then
            passed=$(grep -c '"result" : "pass"' /tmp/mxray-verify-bench.out || true)
        else
            passed=$(grep -c '^dkim=pass' /tmp/mxray-verify-bench.out || true)
        fi
        python3 -c "import sys; n, s, kb, ok = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print(f'mxray dkim verify ({sys.argv[5]}), run {sys.argv[6]}: {s:.2f} s, {n / s:,.0f} messages/s, '
      f'max RSS {kb / 1024:.0f} MB, {ok} passed')" "$n" "$seconds" "$rss_kb" "$passed" "$format" "$run"
    done
done
python3 - "$maildir/cur" "$zone" "$n" <<'PY'
import os, re, sys, time
import dkim
folder, zone, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(zone).read()
# The key record of rsa2026._domainkey.example.com, its quoted strings joined.
block = re.search(r'rsa2026\._domainkey\s+IN\s+TXT\s+\((.*?)\)', text, re.S).group(1)
record = "".join(re.findall(r'"([^"]*)"', block)).encode()
files = sorted(os.listdir(folder))[:2000]
messages = [open(os.path.join(folder, f), "rb").read() for f in files]
start = time.time()
passed = sum(1 for m in messages if dkim.verify(m, dnsfunc=lambda name, timeout=5: record))
seconds = time.time() - start
print(f"dkimpy {dkim.__version__ if hasattr(dkim, '__version__') else ''} dkim.verify, {len(messages)} files in one "
      f"process: {seconds:.2f} s, {len(messages) / seconds:,.0f} messages/s, {passed} passed")
PY
