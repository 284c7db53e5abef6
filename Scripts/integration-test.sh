#!/usr/bin/env bash
# The integration suite: starts the real servers it needs on loopback (nsd from Debian, installed
# when missing), runs the IntegrationTests target against them, and stops them again.
#   Scripts/integration-test.sh [extra swift test arguments]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."

source "$here/lib.sh"
port="${MXRAY_NSD_PORT:-$(free_port)}"
work="$(mktemp -d /tmp/mxray-integration.XXXXXX)"
cleanup() {
    "$here/nsd.sh" stop "$work" || true
    "$here/postgres.sh" stop "$work/pg" || true
    "$here/dovecot.sh" stop "$work/imap" || true
    if [ -f "$work/https.pid" ]; then kill "$(cat "$work/https.pid")" 2>/dev/null || true; fi
    if [ -f "$work/smtp.pid" ]; then kill "$(cat "$work/smtp.pid")" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$here/nsd.sh" start "$work" "$port"
export MXRAY_NSD="127.0.0.1:$port" MXRAY_NSD_DIR="$work"
if grep -q '::1@' "$work/nsd.conf"; then export MXRAY_NSD6="[::1]:$port"; fi

# MTA-STS policy servers (HTTPS with a throwaway test CA) on 127.0.0.1 and 127.0.0.2. Each port
# is picked after the previous server holds its own, so no two can collide.
https_port="$(free_port)"
"$here/test_ca.sh" "$work/ca"
printf 'version: STSv1\r\nmode: enforce\r\nmx: *.pphosted.com\r\nmax_age: 86400\r\n' > "$work/ca/watch-policy.txt"
python3 "$here/mta_sts_server.py" "$work/ca" "$https_port" 2>"$work/https.log" &
echo $! > "$work/https.pid"
wait_for_tcp 127.0.0.1 "$https_port"
export MXRAY_MTA_STS_PORT="$https_port"

# SMTP servers for the probe (aiosmtpd from PyPI, installed when missing) on 127.0.0.2-10.
python3 -c "import aiosmtpd, cryptography" 2>/dev/null || python3 -m pip install -q aiosmtpd cryptography
smtp_port="$(free_port)"
python3 "$here/smtp_servers.py" "$work/ca" "$smtp_port" 2>"$work/smtp.log" &
echo $! > "$work/smtp.pid"
wait_for_tcp 127.0.0.10 "$smtp_port"
export MXRAY_SMTP_PORT="$smtp_port"

# dkimpy (PyPI, with authres for its ARC sealing and PyNaCl for Ed25519), an independent DKIM and
# ARC implementation the interop tests sign, seal and verify with.
python3 -c "import dkim, authres, nacl" 2>/dev/null || python3 -m pip install -q dkimpy authres pynacl
export MXRAY_DKIMPY=1
# parsedmarc (PyPI), the peer the DMARC and TLS report parsers are measured against.
python3 -c "import parsedmarc" 2>/dev/null || python3 -m pip install -q parsedmarc
export MXRAY_PARSEDMARC=1
# Mail::DKIM (Debian), a second independent DKIM and ARC implementation (RSA only in bookworm).
if ! perl -MMail::DKIM::ARC::Signer -e 1 2>/dev/null; then
    echo "installing Debian's libmail-dkim-perl" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq libmail-dkim-perl >/dev/null
fi
export MXRAY_TEST_CA="$work/ca/ca.pem"
# Headless Chromium (Debian), which opens the HTML reports as a reader would.
if ! command -v chromium >/dev/null 2>&1; then
    echo "installing Debian's chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
export MXRAY_CHROMIUM="$(command -v chromium)"
# miltertest (Debian, from OpenDKIM): a real milter client for mxray milter.
if ! command -v miltertest >/dev/null 2>&1; then
    echo "installing Debian's miltertest" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq miltertest >/dev/null
fi
export MXRAY_MILTERTEST="$(command -v miltertest)"
# Postfix (Debian) for the milter's end-to-end test: installed without a configuration of its own
# (nothing listens until Scripts/postfix-tiers.sh starts its loopback instances).
install_postfix
export MXRAY_POSTFIX=1
# PostgreSQL (Debian) for the reports store: a throwaway cluster run as the postgres user.
chmod 755 "$work"
export MXRAY_POSTGRES="$("$here/postgres.sh" start "$work/pg" "$(free_port)")"
# Dovecot (Debian) for reports ingest over IMAP: implicit TLS with a certificate from the test CA.
imap_port="$(free_port)"
"$here/dovecot.sh" start "$work/imap" "$imap_port" "$work/ca"
wait_for_tcp 127.0.0.1 "$imap_port"
export MXRAY_IMAP="localhost:$imap_port" MXRAY_IMAP_PASSWORD_FILE="$work/imap/password"

# The browser, the peers, miltertest, Postfix and the report stores run after the timed tests: they take
# both cores, and a timed test beside them measures the machine, not mxray.
heavy="CLIBrowserTests|ARCInteropTests|DKIMInteropTests|MilterIntegrationTests|MilterPostfixTests"
heavy+="|ParsedmarcAgreementTests|WatchIntegrationTests|ReportsPostgresTests|ReportsIMAPTests"
swift test --filter "IntegrationTests|CLINameserverTests|CLIAuditNameserverTests|CLIProbeNameserverTests" \
    --skip "$heavy" "$@"
swift test --skip-build --filter "$heavy" "$@"
