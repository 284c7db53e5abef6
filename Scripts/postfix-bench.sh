#!/usr/bin/env bash
# The milter in Postfix's path, measured at delivery: one Postfix instance from Debian on loopback
# takes 10 KB DKIM-signed messages over SMTP and delivers them to a Maildir, first with no milter
# (Postfix alone), then with `mxray milter` (verify: SPF, DKIM, ARC, DMARC), then with OpenDKIM
# (verify: DKIM only). nsd serves the keys on loopback port 53 for both. Scripts/smtp_load.py
# sends and waits for delivery; it prints messages/s accepted and delivered and the SMTP
# transaction's latency percentiles (Postfix answers the final dot after the milter's verdict).
#   Scripts/postfix-bench.sh [MESSAGES] [SESSIONS] [PER_CONNECTION]   (0: one connection per session)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
messages="${1:-3000}"
sessions="${2:-8}"
per_connection="${3:-0}"
source "$here/lib.sh"
install_postfix
swift build -c release >/dev/null
work="$(mktemp -d /tmp/mxray-postfix-bench.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
    postfix -c "$work/pf" stop >/dev/null 2>&1 || true
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    "$here/nsd.sh" stop "$work" || true
    rm -rf "$work"
}
trap cleanup EXIT
dns_port=53
"$here/nsd.sh" start "$work" "$dns_port"

milter_port="$(free_port)"
cat > "$work/milter.yaml" <<YAML
dns:
  nameservers: ["127.0.0.1:$dns_port"]
listeners:
  - listen: inet:127.0.0.1:$milter_port
    roles: [verify]
    authserv_id: bench.mxray.test
YAML
start_mxray_milter "$work" "$milter_port"
pids+=("$mxray_pid")

start_opendkim_verifier "$work"
pids+=("$opendkim_pid")

# One 10 KB message signed by mxray.test (its key is in nsd's zone).
{
    printf 'From: Alice <alice@mxray.test>\r\nTo: Bob <bob@mxray.test>\r\nSubject: Pipeline benchmark\r\n'
    printf 'Date: Sun, 29 Nov 2026 09:00:00 +0000\r\nMessage-ID: <pipeline@mxray.test>\r\n\r\n'
    for _ in $(seq 1 160); do printf 'The quick brown fox jumps over the lazy dog, again and again.  \r\n'; done
} > "$work/plain.eml"
.build/release/mxray dkim sign --domain mxray.test --selector rsa2026 --key Examples/keys/rsa2048.pem \
    "$work/plain.eml" > "$work/signed.eml"

smtp_port="$(free_port)"
postfix_instance "$work/pf" pf.mxray.test "$smtp_port" "$work"
mkdir -p "$work/mail"
chown 65534:65534 "$work/mail"
postconf -c "$work/pf" -e "virtual_mailbox_domains = mxray.test" "virtual_mailbox_base = $work/mail" \
    "virtual_mailbox_maps = inline:{bob@mxray.test=bob/}" "virtual_uid_maps = static:65534" \
    "virtual_gid_maps = static:65534"
postfix -c "$work/pf" check
postfix -c "$work/pf" start
wait_for_tcp 127.0.0.1 "$smtp_port"

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() {
    local label="$1" milter="$2" pid="$3"
    postconf -c "$work/pf" -e "smtpd_milters = $milter"
    postfix -c "$work/pf" reload >/dev/null 2>&1
    sleep 2
    python3 "$here/smtp_load.py" 127.0.0.1 "$smtp_port" "$work/signed.eml" 200 "$sessions" "$work/mail/bob" \
        >/dev/null
    local before=0 after=0
    [ -n "$pid" ] && before="$(cpu "$pid")"
    local result
    result="$(python3 "$here/smtp_load.py" 127.0.0.1 "$smtp_port" "$work/signed.eml" "$messages" "$sessions" \
        "$work/mail/bob" 300 "$per_connection")"
    [ -n "$pid" ] && after="$(cpu "$pid")"
    local per=""
    [ -n "$pid" ] && per="$(python3 -c "print(f', milter CPU {($after - $before) * 10 / $messages:.2f} ms/msg')")"
    echo "$label: $result$per"
}
run "Postfix alone" "" ""
run "Postfix + mxray milter verify" "inet:127.0.0.1:$milter_port" "$mxray_pid"
run "Postfix + OpenDKIM verify" "inet:127.0.0.1:$opendkim_port" "$opendkim_pid"
# What the milter put in: one delivered message's Authentication-Results from each.
grep -h -m1 '^Authentication-Results: bench' "$work"/mail/bob/new/* | sort -u | head -2
