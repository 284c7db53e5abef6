#!/usr/bin/env bash
# The reports ingest benchmark (issue #13): a generated corpus of DMARC aggregate reports (mixed
# sizes; gzip, zip and plain XML) ingested by the release `mxray reports ingest` into SQLite and
# into PostgreSQL, and read by parsedmarc (PyPI) on the same files, offline.
#   Scripts/reports-bench.sh [COUNT]        (default 10000)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
source "$here/lib.sh"
count="${1:-10000}"
swift build -c release --product mxray >/dev/null
swift build -c release --product mxray-bench >/dev/null
work="$(mktemp -d /tmp/mxray-reports-bench.XXXXXX)"
trap '"$here/postgres.sh" stop "$work/pg" || true; rm -rf "$work"' EXIT
.build/release/mxray-bench reports-corpus --out "$work/corpus" --count "$count"
du -sh "$work/corpus" | cut -f1 | sed 's/^/corpus on disk: /'

timed() {  # label, command...: wall seconds, CPU seconds and peak memory of one run
    local label="$1"; shift
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err"; exit 1; }
    read -r wall user sys rss <"$work/time"
    python3 -c "import sys; w,u,s,r=map(float,sys.argv[1:5]); n=int(sys.argv[6]); \
print(f'{sys.argv[5]:<34} {w:7.2f} s  {n/w:8.0f} reports/s  CPU {u+s:6.2f} s  peak {r/1024:6.0f} MiB')" \
        "$wall" "$user" "$sys" "$rss" "$label" "$count"
}

timed "mxray ingest → SQLite" .build/release/mxray reports ingest --db "$work/r.sqlite" "$work/corpus"
tail -1 "$work/out"
timed "mxray ingest again (all duplicates)" .build/release/mxray reports ingest --db "$work/r.sqlite" "$work/corpus"
pg="$("$here/postgres.sh" start "$work/pg" "$(free_port)")"
timed "mxray ingest → PostgreSQL" .build/release/mxray reports ingest --db "$pg" "$work/corpus"
tail -1 "$work/out"
timed "mxray reports summary (SQLite)" .build/release/mxray reports summary --db "$work/r.sqlite" --no-names

python3 -c "import parsedmarc" 2>/dev/null || python3 -m pip install -q parsedmarc
mkdir -p "$work/parsedmarc-out"
timed "parsedmarc --offline (CLI)" parsedmarc --offline -o "$work/parsedmarc-out" "$work/corpus"/*
ls "$work/parsedmarc-out"
