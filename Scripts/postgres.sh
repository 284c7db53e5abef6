#!/usr/bin/env bash
# A throwaway PostgreSQL server (Debian's postgresql, installed when missing) on 127.0.0.1:PORT with
# its data in DIR/pgdata, run as the postgres user; trust authentication on loopback only.
#   Scripts/postgres.sh start DIR PORT    prints the URL of database `postgres`
#   Scripts/postgres.sh stop DIR
set -euo pipefail
command="$1"; dir="$2"
bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

if [ "$command" = stop ]; then
    if [ -f "$dir/pgdata/postmaster.pid" ] && [ -n "$(bin)" ]; then
        runuser -u postgres -- "$(bin)/pg_ctl" -D "$dir/pgdata" -m fast -w -t 20 stop >/dev/null 2>&1 || true
    fi
    exit 0
fi

port="$3"
if [ -z "$(bin)" ]; then
    echo "installing Debian's postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
fi
pg="$(bin)"
mkdir -p "$dir/pgdata" "$dir/pgsock"
chown postgres "$dir" "$dir/pgdata" "$dir/pgsock"
chmod o+x "$(dirname "$dir")"
chmod 755 "$dir"
runuser -u postgres -- "$pg/initdb" -D "$dir/pgdata" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1
runuser -u postgres -- "$pg/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/pgsock -c fsync=off" \
    start >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres"
