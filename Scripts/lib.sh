# Shell helpers the test and benchmark scripts share (sourced, not run).

# A TCP port free on 127.0.0.1 at the moment of asking.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits (bounded: 10 s) until HOST:PORT accepts TCP connections.
wait_for_tcp() {
    for _ in $(seq 1 100); do
        python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('$1', $2)))" && return 0
        sleep 0.1
    done
    echo "nothing listens on $1:$2" >&2
    return 1
}

# Debian's postfix, installed when missing, without a configuration of its own (nothing listens
# until a script starts a loopback instance with postfix_instance).
install_postfix() {
    command -v postfix >/dev/null 2>&1 && return 0
    echo "installing Debian's postfix" >&2
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
}

# A Postfix instance (Debian's postfix) in DIR, listening on 127.0.0.1:PORT only, logging to
# DIR/maillog, off the chroot, with milters set to tempfail when they fail and its mail relayed or
# delivered as the caller configures next. LOGROOT is a directory its log may be written under.
#   postfix_instance DIR MYHOSTNAME PORT LOGROOT
postfix_instance() {
    local dir="$1" name="$2" port="$3" logroot="$4"
    mkdir -p "$dir/queue" "$dir/data"
    chown postfix "$dir/data"
    cp /etc/postfix/master.cf "$dir/master.cf"
    : > "$dir/main.cf"
    postconf -c "$dir" -e \
        "compatibility_level = 3.6" "queue_directory = $dir/queue" "data_directory = $dir/data" \
        "myhostname = $name" "mydomain = mxray.test" "mydestination =" "inet_interfaces = loopback-only" \
        "inet_protocols = ipv4" "mynetworks = 127.0.0.0/8" "maillog_file = $dir/maillog" \
        "maillog_file_prefixes = /var, /dev/stdout, $logroot" \
        "smtp_host_lookup = native" "smtp_dns_support_level = disabled" "alias_maps =" "alias_database =" \
        "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" \
        "milter_protocol = 6" "milter_default_action = tempfail" "milter_command_timeout = 10s" \
        "milter_content_timeout = 60s" "delay_warning_time = 0" "maximal_queue_lifetime = 1h" "bounce_queue_lifetime = 1h"
    # Off the chroot (no copies of /etc files needed), and no default listener on port 25.
    postconf -c "$dir" -F '*/*/chroot = n'
    postconf -c "$dir" -MX smtp/inet
    postconf -c "$dir" -M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd"
}

# OpenDKIM from Debian (installed when missing) in verify mode on a free loopback port, asking the
# nsd on 127.0.0.1:53 with its query cache on, for the milter benchmarks. Sets opendkim_port and
# opendkim_pid; on a failed start prints its log, stops it and returns 1.
#   start_opendkim_verifier WORK
start_opendkim_verifier() {
    local work="$1"
    if ! command -v opendkim >/dev/null 2>&1; then
        echo "installing Debian's opendkim" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq opendkim >/dev/null
    fi
    opendkim_port="$(free_port)"
    cat > "$work/opendkim.conf" <<CONF
Mode                v
Socket              inet:$opendkim_port@127.0.0.1
Syslog              no
Background          no
Nameservers         127.0.0.1
QueryCache          yes
AuthservID          bench.opendkim
AlwaysAddARHeader   yes
PidFile             $work/opendkim.pid
CONF
    opendkim -f -x "$work/opendkim.conf" 2>"$work/opendkim.log" &
    opendkim_pid=$!
    wait_for_tcp 127.0.0.1 "$opendkim_port" && return 0
    cat "$work/opendkim.log" >&2
    kill "$opendkim_pid" 2>/dev/null || true
    return 1
}

# The release build's `mxray milter` with WORK/milter.yaml, logging to WORK/mxray.log; waits until
# PORT (its last listener) accepts. Sets mxray_pid; on a failed start prints the log and returns 1.
#   start_mxray_milter WORK PORT
start_mxray_milter() {
    local work="$1" port="$2"
    .build/release/mxray milter --config "$work/milter.yaml" 2>"$work/mxray.log" &
    mxray_pid=$!
    wait_for_tcp 127.0.0.1 "$port" && return 0
    cat "$work/mxray.log" >&2
    kill "$mxray_pid" 2>/dev/null || true
    return 1
}
