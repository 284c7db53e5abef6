#!/usr/bin/env bash
# Builds the libFuzzer targets (with AddressSanitizer) and runs each for a bounded time.
#   Scripts/fuzz.sh [SECONDS] [TARGET...]    (default: 60 seconds, every target)
# Prints executions per target; exits 1 when a target crashes or hangs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(dns-wire zone-file message received authentication-results tag-list spf dmarc
    mta-sts-policy smtp-reply milter-packet feedback-report imap-response body-canonicalization)

swift build --scratch-path .build-fuzz --product mxray-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DMXRAY_LIBFUZZER >/dev/null
binary="$(swift build --scratch-path .build-fuzz --show-bin-path)/mxray-fuzz"
work="$(mktemp -d /tmp/mxray-fuzz.XXXXXX)"
failed=0
for target in "${targets[@]}"; do
    mkdir -p "$work/$target"
    cp Fuzz/corpus/"$target"/* "$work/$target/" 2>/dev/null || true
    status=0
    # Swift's backtracer is off: under AddressSanitizer it trips over its own stack reads and buries
    # the fatal error an oracle reports.
    ( cd "$work" && SWIFT_BACKTRACE=enable=no MXRAY_FUZZ="$target" \
        "$binary" "$work/$target" -max_total_time="$seconds" -timeout=5 \
        -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 > "$work/$target.log" 2>&1 ) || status=$?
    runs=$(grep -m1 'stat::number_of_executed_units' "$work/$target.log" | awk '{print $2}')
    if [ "$status" -ne 0 ]; then
        failed=1
        echo "fuzz $target: FAILED (status $status) after ${runs:-?} executions; log and inputs in $work"
        grep -E 'ERROR|Fatal error|crash-|timeout-|Test unit written' "$work/$target.log" | head -5
    else
        echo "fuzz $target: ${runs:-?} executions in ${seconds} s, no crash"
    fi
done
[ "$failed" -eq 0 ] && rm -rf "$work"
exit "$failed"
