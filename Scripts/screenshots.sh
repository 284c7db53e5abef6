#!/usr/bin/env bash
# Renders the shipped examples' HTML pages and photographs them with headless Chromium into docs/,
# for the README. Needs a built mxray (swift build) and Debian's chromium.
#   Scripts/screenshots.sh [path/to/mxray]
set -euo pipefail
cd "$(dirname "$0")/.."
mxray="${1:-.build/debug/mxray}"
work="$(mktemp -d /tmp/mxray-shots.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p docs
"$mxray" audit example.com --zone Examples/cold-backup.zone --offline --html "$work/cold-backup.html" >/dev/null || true
"$mxray" trace Examples/received-bypass.eml --zone Examples/cold-backup.zone --now 1795943000 \
    --html "$work/received-bypass.html" >/dev/null || true
"$mxray" audit example.org --zone Examples/two-vendors-partial-mta-sts.zone \
    --mta-sts-policy Examples/two-vendors-partial-mta-sts.policy.txt --html "$work/two-vendors.html" >/dev/null || true
for page in cold-backup received-bypass two-vendors; do
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,880 \
        --screenshot="docs/$page.png" "file://$work/$page.html" >/dev/null 2>&1
    echo "docs/$page.png"
done
