#!/usr/bin/env bash
# A throwaway Dovecot IMAP server (Debian's dovecot-imapd, installed when missing) for the reports
# ingest: implicit TLS on 127.0.0.1:PORT with a certificate for `localhost` from the test CA in
# CADIR, one user `reports` whose password is in DIR/password, mail in DIR/home as `nobody`.
#   Scripts/dovecot.sh start DIR PORT CADIR
#   Scripts/dovecot.sh stop DIR
set -euo pipefail
command="$1"; dir="$2"
if [ "$command" = stop ]; then
    if [ -f "$dir/dovecot.conf" ]; then doveadm -c "$dir/dovecot.conf" stop >/dev/null 2>&1 || true; fi
    exit 0
fi
port="$3"; ca="$4"
if ! command -v dovecot >/dev/null 2>&1; then
    echo "installing Debian's dovecot-imapd" >&2
    # Install without starting the system's own instance (it would listen on every interface).
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq dovecot-imapd >/dev/null || { rm -f /usr/sbin/policy-rc.d; exit 1; }
    rm -f /usr/sbin/policy-rc.d
fi
mkdir -p "$dir/run" "$dir/state" "$dir/home"
chmod o+x "$(dirname "$dir")" "$dir"
chown nobody:nogroup "$dir/home"
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$dir/key.pem" -out "$dir/imap.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' \
    > "$dir/imap.ext"
openssl x509 -req -in "$dir/imap.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/imap.ext" -out "$dir/cert.pem" 2>/dev/null
password="$(openssl rand -hex 12)"
echo "$password" > "$dir/password"
echo "reports:{PLAIN}$password::::::" > "$dir/users"
cat > "$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dir/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dir/home/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $port
    ssl = yes
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
CONF
dovecot -c "$dir/dovecot.conf"
