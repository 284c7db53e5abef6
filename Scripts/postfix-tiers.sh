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
source "$here/lib.sh"
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

postfix_instance "$work/gw" gw.mxray.test "$gw" "$work"
postconf -c "$work/gw" -e "relay_domains = mxray.test" \
    "transport_maps = inline:{mxray.test=relay:[127.0.0.1]:$mbx}" \
    "smtpd_milters = inet:127.0.0.1:$milter_verify"
postconf -c "$work/gw" -P "127.0.0.1:$gw/inet/content_filter=footer:dummy"
postconf -c "$work/gw" -M "footer/unix=footer unix - n n - 10 pipe flags=Rq user=nobody null_sender= argv=/usr/bin/python3 $work/footer.py $gw_back \${sender} \${recipient}"
postconf -c "$work/gw" -M "127.0.0.1:$gw_back/inet=127.0.0.1:$gw_back inet n - n - - smtpd"
postconf -c "$work/gw" -P "127.0.0.1:$gw_back/inet/content_filter=" \
    "127.0.0.1:$gw_back/inet/smtpd_milters=inet:127.0.0.1:$milter_seal" \
    "127.0.0.1:$gw_back/inet/receive_override_options=no_unknown_recipient_checks"

postfix_instance "$work/mbx" mbx.mxray.test "$mbx" "$work"
mkdir -p "$work/mail"
chown 65534:65534 "$work/mail"
postconf -c "$work/mbx" -e "virtual_mailbox_domains = mxray.test" "virtual_mailbox_base = $work/mail" \
    "virtual_mailbox_maps = inline:{bob@mxray.test=bob/}" "virtual_uid_maps = static:65534" \
    "virtual_gid_maps = static:65534" "smtpd_milters = inet:127.0.0.1:$milter_mbx"

for tier in gw mbx; do
    postfix -c "$work/$tier" check
    postfix -c "$work/$tier" start
done
