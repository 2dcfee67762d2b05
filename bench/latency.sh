#!/usr/bin/env bash
# End-to-end latency: N synthetic ultrasound studies and N DBT studies sent to radnode serve,
# each study over one association; the node delivers each SR to a storescp started here.
# Latency = SR (and its accompanying objects) acknowledged by storescp, minus the last
# instance of the study acknowledged to the sender, minus the quiet period. Both times are
# the node's own records (studies.last_received_at is committed just before the C-STORE
# success goes out; deliveries.updated_at just after the destination's success came back).
# Runs with 1 worker and with one worker per core.
#
#   bench/latency.sh [--us 10] [--dbt 4] [--quiet 2] [--interval 0] [--workers "1 N"] [--quick]
#
# --interval S: seconds between studies (0: back to back, the queueing worst case).
# --quick: 4 US and 2 DBT studies.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

US=10 DBT=4 QUIET=2 INTERVAL=0 WORKERS="1 $(nproc)"
while (($#)); do
    case $1 in
        --us) US=$2; shift 2 ;;
        --dbt) DBT=$2; shift 2 ;;
        --quiet) QUIET=$2; shift 2 ;;
        --interval) INTERVAL=$2; shift 2 ;;
        --workers) WORKERS=$2; shift 2 ;;
        --quick) US=4 DBT=2; shift ;;
        *) die "unknown option $1 (see the header of $0)" ;;
    esac
done

# Inputs: one folder per study.
make_studies() { # modality count
    local i
    for ((i = 1; i <= $2; i++)); do
        mkdir -p "$WORK/inputs/$1/$i"
        synth_study "$1" "$((1000 + i))" "$WORK/inputs/$1/$i" >/dev/null
    done
}
make_studies us "$US"
make_studies dbt "$DBT"

sink_port=$(free_port)
start_storescp "$WORK/sink" "$sink_port" SINK

# Nearest-rank percentiles of the numbers on stdin (ms) -> "p50 p95 max" in seconds.
percentiles() {
    sort -n | awk '{v[NR] = $1} END {
        if (NR == 0) { print "- - -"; exit }
        p50 = v[int(0.50 * NR + 0.999999)]; p95 = v[int(0.95 * NR + 0.999999)]
        printf "%.2f %.2f %.2f\n", p50 / 1000, p95 / 1000, v[NR] / 1000 }'
}

table="$WORK/latency.txt"
{
    echo "End-to-end latency beyond the quiet period (${QUIET} s), seconds; studies ${INTERVAL} s apart"
    echo "$(date -u '+%F %T UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-4s %-3s %-7s | %6s %6s %6s | %s\n' kind n workers p50 p95 max "median: job queued to done / the rest"
} >"$table"
cat "$table"

for kind in us dbt; do
    count=$US
    [[ $kind == dbt ]] && count=$DBT
    ((count > 0)) || continue
    for workers in $WORKERS; do
        port=$(free_port)
        state="$WORK/node-$kind-$workers"
        mkdir -p "$state"
        write_node_config "$state/radnode.yaml" "$state" "$port" "$QUIET" "$workers" "$sink_port"
        start_node "$state/radnode.yaml" "$state/node.log"
        for ((i = 1; i <= count; i++)); do
            send "$port" RADNODE "$WORK/inputs/$kind/$i"/*.dcm || die "sending $kind study $i failed"
            sleep "$INTERVAL"
        done
        deadline=$(($(date +%s) + 120 + count * 60))
        while :; do
            done_count=$(db "$state/radnode.sqlite" "SELECT count(*) FROM deliveries WHERE state = 'delivered'")
            finished=$(db "$state/radnode.sqlite" "SELECT count(*) FROM jobs WHERE state IN ('done', 'failed')")
            failed=$(db "$state/radnode.sqlite" "SELECT count(*) FROM jobs WHERE state = 'failed'")
            ((done_count + failed >= count)) && break
            (($(date +%s) < deadline)) || die "$kind, $workers workers: $done_count of $count delivered after the deadline"
            sleep 0.5
        done
        ((failed == 0)) || echo "  ($failed $kind jobs failed; see $state/node.log)"
        read -r p50 p95 max < <(db "$state/radnode.sqlite" "
            SELECT d.updated_at - s.last_received_at - $((QUIET * 1000))
            FROM deliveries d JOIN results r ON r.id = d.result_id JOIN studies s ON s.study_uid = r.study_uid
            WHERE d.state = 'delivered'" | percentiles)
        # What is not analysis: assembly after the quiet period, queueing, SR delivery.
        read -r analysis overhead < <(db "$state/radnode.sqlite" "SELECT j.updated_at - j.created_at FROM jobs j
            WHERE j.state = 'done'" | percentiles | awk '{printf "%s ", $1}'
            db "$state/radnode.sqlite" "
            SELECT (d.updated_at - s.last_received_at - $((QUIET * 1000))) - (j.updated_at - j.created_at)
            FROM deliveries d JOIN results r ON r.id = d.result_id JOIN studies s ON s.study_uid = r.study_uid
            JOIN jobs j ON j.id = r.job_id WHERE d.state = 'delivered'" | percentiles | awk '{print $1}')
        stop_node
        printf '%-4s %-3s %-7s | %6s %6s %6s | %s s / %s s\n' "$kind" "$count" "$workers" "$p50" "$p95" "$max" "$analysis" "$overhead" |
            tee -a "$table"
        [[ "${KEEP_WORK:-0}" == 1 ]] || rm -rf "$state"
    done
done
stop_storescp
echo
save_table latency "$table" | tail -1
