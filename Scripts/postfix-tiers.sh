#!/usr/bin/env bash
# Two Postfix instances from Debian on loopback, as a gateway tier and a mailbox tier, for the
# milter's end-to-end test. The gateway takes mail on GW (smtpd with the verify milter), passes it
# through a content filter that appends a footer (the change a real gateway makes), takes it back
# on GW_BACK (smtpd with the seal milter) and relays it to the mailbox tier on MBX (smtpd with the
# mailbox's verify milter), which delivers bob@mxray.test to a Maildir.
#   postfix-tiers.sh start WORK GW GW_BACK MBX MILTER_VERIFY MILTER_SEAL MILTER_MBX
#   postfix-tiers.sh stop WORK
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cmd="$1"
work="$2"

if [ "$cmd" = stop ]; then
    for tier in gw mbx; do
        [ -d "$work/$tier" ] && postfix -c "$work/$tier" stop >/dev/null 2>&1 || true
    done
    exit 0
fi

gw="$3" gw_back="$4" mbx="$5" milter_verify="$6" milter_seal="$7" milter_mbx="$8"
command -v postfix >/dev/null 2>&1 || { echo "postfix is missing (Scripts/integration-test.sh installs it)" >&2; exit 2; }
chmod 755 "$work"
install -m 755 "$here/postfix_footer.py" "$work/footer.py"

configure() {
    local tier="$1" name="$2" port="$3"
    local dir="$work/$tier"
    mkdir -p "$dir/queue" "$dir/data"
    chown postfix "$dir/data"
    cp /etc/postfix/master.cf "$dir/master.cf"
    : > "$dir/main.cf"
    postconf -c "$dir" -e \
        "compatibility_level = 3.6" "queue_directory = $dir/queue" "data_directory = $dir/data" \
        "myhostname = $name" "mydomain = mxray.test" "mydestination =" "inet_interfaces = loopback-only" \
        "inet_protocols = ipv4" "mynetworks = 127.0.0.0/8" "maillog_file = $dir/maillog" \
        "maillog_file_prefixes = /var, /dev/stdout, $work" \
        "smtp_host_lookup = native" "smtp_dns_support_level = disabled" "alias_maps =" "alias_database =" \
        "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" \
        "milter_protocol = 6" "milter_default_action = tempfail" "milter_command_timeout = 10s" \
        "milter_content_timeout = 60s" "delay_warning_time = 0" "maximal_queue_lifetime = 1h" "bounce_queue_lifetime = 1h"
    # Off the chroot (no copies of /etc files needed), and no default listener on port 25.
    postconf -c "$dir" -F '*/*/chroot = n'
    postconf -c "$dir" -MX smtp/inet
    postconf -c "$dir" -M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd"
}

configure gw gw.mxray.test "$gw"
postconf -c "$work/gw" -e "relay_domains = mxray.test" \
    "transport_maps = inline:{mxray.test=relay:[127.0.0.1]:$mbx}" \
    "smtpd_milters = inet:127.0.0.1:$milter_verify"
postconf -c "$work/gw" -P "127.0.0.1:$gw/inet/content_filter=footer:dummy"
postconf -c "$work/gw" -M "footer/unix=footer unix - n n - 10 pipe flags=Rq user=nobody null_sender= argv=/usr/bin/python3 $work/footer.py $gw_back \${sender} \${recipient}"
postconf -c "$work/gw" -M "127.0.0.1:$gw_back/inet=127.0.0.1:$gw_back inet n - n - - smtpd"
postconf -c "$work/gw" -P "127.0.0.1:$gw_back/inet/content_filter=" \
    "127.0.0.1:$gw_back/inet/smtpd_milters=inet:127.0.0.1:$milter_seal" \
    "127.0.0.1:$gw_back/inet/receive_override_options=no_unknown_recipient_checks"

configure mbx mbx.mxray.test "$mbx"
mkdir -p "$work/mail"
chown 65534:65534 "$work/mail"
postconf -c "$work/mbx" -e "virtual_mailbox_domains = mxray.test" "virtual_mailbox_base = $work/mail" \
    "virtual_mailbox_maps = inline:{bob@mxray.test=bob/}" "virtual_uid_maps = static:65534" \
    "virtual_gid_maps = static:65534" "smtpd_milters = inet:127.0.0.1:$milter_mbx"

for tier in gw mbx; do
    postfix -c "$work/$tier" check
    postfix -c "$work/$tier" start
done
