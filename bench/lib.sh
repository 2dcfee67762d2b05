# Shared helpers for the end-to-end benchmarks (bench/*.sh): a node or storescp on loopback,
# synthetic inputs, and process sampling. Sourced, not run.

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RADNODE="${RADNODE:-$BENCH_ROOT/build/node/radnode}"
# The node under test (default: the same binary); set it to compare two builds on one input set.
NODE_BINARY="${NODE_BINARY:-$RADNODE}"
RESULTS_DIR="${RESULTS_DIR:-$BENCH_ROOT/bench/results}"
# Scratch space for inputs, node state and storescp output; removed on exit unless KEEP_WORK=1.
WORK="${BENCH_WORK:-$(mktemp -d /tmp/radnode-bench.XXXXXX)}"
mkdir -p "$WORK" "$RESULTS_DIR"

bench_cleanup() {
    local pid
    for pid in ${BENCH_PIDS:-}; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
    [[ "${KEEP_WORK:-0}" == 1 ]] || rm -rf "$WORK"
}
trap bench_cleanup EXIT

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

[[ -x "$RADNODE" ]] || die "no radnode binary at $RADNODE (build it, or set RADNODE=path)"
for tool in storescu storescp sqlite3 ss; do command -v "$tool" >/dev/null || die "$tool is not installed"; done

now_ms() { date +%s%3N; }

# A TCP port nobody listens on.
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 20000))
        ss -ltnH "sport = :$port" | grep -q . || { echo "$port"; return; }
    done
}

wait_listening() { # port [seconds]
    local tries=$(( ${2:-30} * 10 ))
    while (( tries-- > 0 )); do
        ss -ltnH "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    die "nothing listens on port $1"
}

# write_node_config FILE STATE_DIR PORT QUIET_SECONDS WORKERS [DEST_PORT]
# Durability stays as shipped (fsync + SQLite synchronous=FULL); the listener admits 32
# associations, all from loopback, so 16 concurrent senders are not refused.
write_node_config() {
    local file=$1 state=$2 port=$3 quiet=$4 workers=$5 dest=${6:-}
    cat >"$file" <<YAML
listener:
  ae_title: RADNODE
  port: $port
  max_associations: 32
  max_associations_per_peer: 32
  max_pdu: 131072
  minimum_free_disk: 0
storage:
  state_directory: $state
assembly:
  quiet_period: ${quiet}s
workers:
  count: $workers
log_level: info  # the shipped default: one log line per instance
YAML
    if [[ -n "$dest" ]]; then
        cat >>"$file" <<YAML
destinations:
  - name: sink
    ae_title: SINK
    host: 127.0.0.1
    port: $dest
YAML
    fi
}

# start_node CONFIG LOG -> sets NODE_PID
start_node() {
    "$NODE_BINARY" serve --config "$1" >"$2" 2>&1 &
    NODE_PID=$!
    BENCH_PIDS="${BENCH_PIDS:-} $NODE_PID"
    local port
    port=$(awk '/^  port:/ {print $2; exit}' "$1")
    wait_listening "$port" 60
}

stop_node() {
    [[ -n "${NODE_PID:-}" ]] || return 0
    kill -TERM "$NODE_PID" 2>/dev/null
    wait "$NODE_PID" 2>/dev/null || true
    NODE_PID=""
}

# start_storescp DIR PORT [AET] -> sets SCP_PID. --fork: one process per association, so
# concurrent senders are served concurrently as by the node.
start_storescp() {
    mkdir -p "$1"
    storescp --fork -aet "${3:-STORESCP}" -od "$1" -pm +B "$2" >"$1.log" 2>&1 &
    SCP_PID=$!
    BENCH_PIDS="${BENCH_PIDS:-} $SCP_PID"
    wait_listening "$2"
}

stop_storescp() {
    [[ -n "${SCP_PID:-}" ]] || return 0
    kill -TERM "$SCP_PID" 2>/dev/null
    wait "$SCP_PID" 2>/dev/null || true
    SCP_PID=""
}

# send PORT AET FILE... : one association, every file; fails when any store fails.
send() {
    local port=$1 aet=$2
    shift 2
    local output
    # On failure the last lines of storescu's output say why (refused, aborted, timed out).
    output=$(storescu -aet BENCH -aec "$aet" --max-pdu 131072 -R 127.0.0.1 "$port" "$@" 2>&1) ||
        { printf '%s\n' "$output" | tail -n 3 >&2; return 1; }
}

# One synthetic study: prints its files (images, then SEG).
synth_study() { # modality seed outdir [more synth options]
    local modality=$1 seed=$2 out=$3
    shift 3
    "$RADNODE" synth --modality "$modality" --seed "$seed" --out "$out" "$@" | tail -n +2
}

# The node writes while we read: wait for its locks instead of failing the query.
db() { sqlite3 -batch -noheader -cmd ".timeout 10000" "$1" "$2"; }

status_kib() { awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"; }

# Prints the table on stdout and saves it as RESULTS_DIR/<name>-<UTC time>.txt.
save_table() { # name file
    local target
    target="$RESULTS_DIR/$1-$(date -u +%Y%m%dT%H%M%SZ).txt"
    cp "$2" "$target"
    cat "$2"
    echo "(written to ${target#"$BENCH_ROOT"/})"
}
