#!/usr/bin/env bash
# Ingest throughput: one file set sent by DCMTK storescu over loopback to (a) storescp
# writing to disk (--fork, +B: received straight into files, no fsync) and (b) radnode serve
# (fsync, rename, SQLite commit and audit row before each success), with 1, 4 and 16
# concurrent senders. Prints instances/s, MB/s and the node/storescp ratio.
#
#   bench/ingest.sh [--dbt-mb 300] [--us-studies 20] [--small 400] [--senders "1 4 16"] [--quick]
#
# --quick: a 20 MB DBT, 5 US studies, 100 small instances (about a minute).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DBT_MB=300 US_STUDIES=20 SMALL=400 SENDERS="1 4 16"
while (($#)); do
    case $1 in
        --dbt-mb) DBT_MB=$2; shift 2 ;;
        --us-studies) US_STUDIES=$2; shift 2 ;;
        --small) SMALL=$2; shift 2 ;;
        --senders) SENDERS=$2; shift 2 ;;
        --quick) DBT_MB=20 US_STUDIES=5 SMALL=100; shift ;;
        *) die "unknown option $1 (see the header of $0)" ;;
    esac
done

# --- the file set
inputs="$WORK/inputs"
mkdir -p "$inputs/us" "$inputs/dbt" "$inputs/small"
for ((i = 1; i <= US_STUDIES; i++)); do synth_study us "$i" "$inputs/us" >/dev/null; done
# 256 x 256 x 16-bit frames: 8 frames per MiB.
synth_study dbt 1 "$inputs/dbt" --frames $((DBT_MB * 8)) >/dev/null
# Small instances: a 37 KB DX image, each copy with its own SOP Instance UID.
small_source="$BENCH_ROOT/tests/data/dicom/dx/dx_image.dcm"
for ((i = 1; i <= SMALL; i++)); do cp "$small_source" "$inputs/small/$i.dcm"; done
if ((SMALL > 0)); then
    find "$inputs/small" -name '*.dcm' -print0 | xargs -0 -n 200 dcmodify -nb -gin >/dev/null
fi
chmod -R u+w "$inputs"
mapfile -t FILES < <(find "$inputs" -name '*.dcm' -printf '%s %p\n' | sort -rn | awk '{print $2}')
COUNT=${#FILES[@]}
BYTES=$(find "$inputs" -name '*.dcm' -printf '%s\n' | awk '{s += $1} END {print s}')
MB=$(awk -v b="$BYTES" 'BEGIN {printf "%.1f", b / 1e6}')

# Sends FILES over `senders` concurrent associations (largest files dealt first, round-robin)
# and prints the wall time in ms.
send_all() { # port aet senders
    local port=$1 aet=$2 senders=$3 s
    local -a lists=()
    for ((s = 0; s < senders; s++)); do lists[s]=""; done
    for ((s = 0; s < COUNT; s++)); do lists[s % senders]+="${FILES[s]}"$'\n'; done
    local start pids=() failed=0
    start=$(now_ms)
    for ((s = 0; s < senders; s++)); do
        # shellcheck disable=SC2086
        (mapfile -t mine <<<"${lists[s]%$'\n'}"; send "$port" "$aet" "${mine[@]}") &
        pids+=($!)
    done
    for s in "${pids[@]}"; do wait "$s" || failed=1; done
    ((failed == 0)) || die "a storescu to $aet failed"
    echo $(($(now_ms) - start))
}

table="$WORK/ingest.txt"
{
    echo "Ingest throughput: $COUNT instances, $MB MB ($US_STUDIES US studies x 3, one ${DBT_MB} MiB DBT + SEG, $SMALL small)"
    echo "$(date -u '+%F %T UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-8s | %-22s | %-22s | %s\n' senders "storescp inst/s MB/s" "radnode inst/s MB/s" "radnode/storescp"
} >"$table"
cat "$table"

for senders in $SENDERS; do
    port=$(free_port)
    out="$WORK/storescp-$senders"
    start_storescp "$out" "$port"
    scp_ms=$(send_all "$port" STORESCP "$senders")
    stop_storescp
    received=$(find "$out" -type f | wc -l)
    ((received == COUNT)) || die "storescp wrote $received of $COUNT files"
    rm -rf "$out"

    port=$(free_port)
    state="$WORK/node-$senders"
    mkdir -p "$state"
    # A quiet period longer than the run: this measures receiving, not analysis.
    write_node_config "$state/radnode.yaml" "$state" "$port" 3600 1
    start_node "$state/radnode.yaml" "$state/node.log"
    node_ms=$(send_all "$port" RADNODE "$senders")
    stop_node
    indexed=$(db "$state/radnode.sqlite" "SELECT count(*) FROM instances")
    ((indexed == COUNT)) || die "the node indexed $indexed of $COUNT instances (log: $state/node.log)"
    rm -rf "$state"

    awk -v n="$COUNT" -v b="$BYTES" -v a="$scp_ms" -v r="$node_ms" -v s="$senders" 'BEGIN {
        printf "%-8s | %8.1f %12.1f | %8.1f %12.1f | %.2f\n", s, n * 1000 / a, b / 1e3 / a, n * 1000 / r, b / 1e3 / r, a / r
    }' | tee -a "$table"
done
echo
save_table ingest "$table" | tail -1
