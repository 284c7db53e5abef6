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
