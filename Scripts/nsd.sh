#!/usr/bin/env bash
# Starts nsd (Debian's package) on loopback serving the integration test zones, or stops it.
#   Scripts/nsd.sh start DIR PORT   writes DIR/nsd.conf, starts nsd, waits until it answers
#   Scripts/nsd.sh stop DIR
# Installs nsd with apt-get when it is missing. Only 127.0.0.1 and ::1 are used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
zones="$root/Tests/IntegrationTests/zones"

ensure_nsd() {
    if ! command -v nsd >/dev/null 2>&1 && [ ! -x /usr/sbin/nsd ]; then
        echo "nsd: installing Debian's nsd package" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq nsd >/dev/null
    fi
    # The package's own service would listen on port 53; this suite never needs it.
    if command -v service >/dev/null 2>&1; then service nsd stop >/dev/null 2>&1 || true; fi
}

start() {
    local dir="$1" port="$2"
    ensure_nsd
    mkdir -p "$dir/zones"
    cp "$zones"/*.zone "$dir/zones/"
    # Extra zones (for example the benchmark's generated one) from MXRAY_EXTRA_ZONES.
    if [ -n "${MXRAY_EXTRA_ZONES:-}" ]; then cp "$MXRAY_EXTRA_ZONES"/*.zone "$dir/zones/"; fi
    local ip6=""
    if ip -6 addr show lo 2>/dev/null | grep -q '::1'; then ip6="    ip-address: ::1@$port"; fi
    cat > "$dir/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1@$port
$ip6
    username: ""
    chroot: ""
    zonesdir: "$dir/zones"
    pidfile: "$dir/nsd.pid"
    database: ""
    zonelistfile: "$dir/zone.list"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    logfile: "$dir/nsd.log"
    server-count: 1
    verbosity: 1
    hide-version: yes
    # Benchmarks send tens of thousands of queries a second from one address.
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
CONF
    for f in "$dir"/zones/*.zone; do
        local name; name="$(basename "$f" .zone)"
        printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' "$name" "$(basename "$f")" >> "$dir/nsd.conf"
    done
    /usr/sbin/nsd-checkconf "$dir/nsd.conf"
    /usr/sbin/nsd -c "$dir/nsd.conf" -d >"$dir/nsd.out" 2>&1 &
    echo $! > "$dir/nsd.child"
    # Wait (bounded: 10 s, or MXRAY_NSD_WAIT_SECONDS for large generated zones) until the SOA of
    # the test zone is served over UDP.
    for _ in $(seq 1 $(( ${MXRAY_NSD_WAIT_SECONDS:-10} * 10 ))); do
        if python3 "$here/dns_ready.py" 127.0.0.1 "$port" mxray.test; then
            echo "nsd: serving on 127.0.0.1:$port${ip6:+ and [::1]:$port}" >&2
            return 0
        fi
        sleep 0.1
    done
    echo "nsd did not start; its output:" >&2
    cat "$dir/nsd.out" "$dir/nsd.log" >&2 2>/dev/null || true
    return 1
}

stop() {
    local dir="$1"
    if [ -f "$dir/nsd.child" ]; then
        local pid; pid="$(cat "$dir/nsd.child")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/nsd.child"
    fi
}

case "${1:-}" in
    start) start "$2" "$3" ;;
    stop) stop "$2" ;;
    *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
