#!/usr/bin/env bash
# Soak: many studies through one node (ultrasound, every tenth a DBT by default), delivered to a
# storescp started here. Every --sample seconds: the node's RSS, open files (/proc/PID/fd),
# database size (with its WAL), queue depth (jobs queued or running) and pending deliveries.
# The sender keeps at most --window studies in flight (sent, SR not yet delivered), so the
# node runs at its own pace rather than building a backlog. At the end: are RSS, open files
# and queue flat after warm-up (the first quarter of the run)?
#
#   bench/soak.sh [--studies 2000] [--window 4] [--sample 10] [--dbt-every 10] [--quick]
#
# --quick: 100 studies, a sample every 5 s.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

STUDIES=2000 WINDOW=4 SAMPLE=10 QUIET=1 DBT_EVERY=10
while (($#)); do
    case $1 in
        --studies) STUDIES=$2; shift 2 ;;
        --window) WINDOW=$2; shift 2 ;;
        --sample) SAMPLE=$2; shift 2 ;;
        --dbt-every) DBT_EVERY=$2; shift 2 ;;
        --quick) STUDIES=100 SAMPLE=5; shift ;;
        *) die "unknown option $1 (see the header of $0)" ;;
    esac
done

sink_port=$(free_port)
start_storescp "$WORK/sink" "$sink_port" SINK
port=$(free_port)
state="$WORK/node"
mkdir -p "$state"
write_node_config "$state/radnode.yaml" "$state" "$port" "$QUIET" "$(nproc)" "$sink_port"
start_node "$state/radnode.yaml" "$state/node.log"
database="$state/radnode.sqlite"

delivered() { db "$database" "SELECT count(*) FROM deliveries WHERE state = 'delivered'"; }
failed_jobs() { db "$database" "SELECT count(*) FROM jobs WHERE state = 'failed'"; }

# The sender: one study at a time, generated just before it is sent and deleted after.
echo 0 >"$WORK/sent"
(
    for ((i = 1; i <= STUDIES; i++)); do
        while (( i - 1 - $(delivered) - $(failed_jobs) >= WINDOW )); do sleep 0.2; done
        kind=us
        ((i % DBT_EVERY == 0)) && kind=dbt
        folder="$WORK/study-$i"
        synth_study "$kind" "$((50000 + i))" "$folder" >/dev/null
        send "$port" RADNODE "$folder"/*.dcm || echo "study $i: send failed" >&2
        rm -rf "$folder"
        echo "$i" >"$WORK/sent"
    done
) &
sender=$!
BENCH_PIDS="${BENCH_PIDS:-} $sender"

samples="$WORK/samples.txt"
started=$(date +%s)
printf '%6s %6s %9s %5s %9s %6s %8s %9s\n' seconds sent rss_MiB fds db_MiB queue delivered pending | tee "$samples"
while :; do
    sent=$(cat "$WORK/sent")
    done_count=$(delivered)
    rss=$(status_kib "$NODE_PID" VmRSS)
    fds=$(find "/proc/$NODE_PID/fd" -mindepth 1 -maxdepth 1 | wc -l)
    db_bytes=$(cat "$database" "$database-wal" 2>/dev/null | wc -c)
    queue=$(db "$database" "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")
    pending=$(db "$database" "SELECT count(*) FROM deliveries WHERE state = 'pending'")
    printf '%6d %6d %9.1f %5d %9.1f %6d %8d %9d\n' $(($(date +%s) - started)) "$sent" "$(echo "$rss / 1024" | bc -l)" \
        "$fds" "$(echo "$db_bytes / 1048576" | bc -l)" "$queue" "$done_count" "$pending" | tee -a "$samples"
    if ((done_count + $(failed_jobs) >= STUDIES)); then break; fi
    kill -0 "$NODE_PID" 2>/dev/null || die "the node died (log: $state/node.log)"
    sleep "$SAMPLE"
done
wait "$sender" || true
peak=$(status_kib "$NODE_PID" VmHWM)
failed=$(failed_jobs)
stop_node
stop_storescp

table="$WORK/soak.txt"
{
    echo "Soak: $STUDIES studies (one in ${DBT_EVERY} a DBT), $(nproc) workers, window $WINDOW studies in flight"
    echo "$(date -u '+%F %T UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); failed jobs: $failed"
    cat "$samples"
    # After warm-up (the first quarter of the samples), per half of the rest: RSS's lower
    # envelope (its minimum: what stays resident between jobs, where a leak shows) and its
    # maximum (which depends on how many large jobs happened to overlap, so it is only
    # reported); open files against their maximum; queue at the end; database per study.
    awk -v peak="$peak" -v n="$STUDIES" 'NR > 1 { t[++k] = $1; rss[k] = $3; fds[k] = $4; db[k] = $5; q[k] = $6 }
        END {
            w = int(k / 4) + 1; half = int((k + w) / 2); lo1 = lo2 = 1e12
            for (i = w; i <= k; i++) {
                if (i <= half) { if (rss[i] > mr1) mr1 = rss[i]; if (rss[i] < lo1) lo1 = rss[i]; if (fds[i] > mf1) mf1 = fds[i] }
                else           { if (rss[i] > mr2) mr2 = rss[i]; if (rss[i] < lo2) lo2 = rss[i]; if (fds[i] > mf2) mf2 = fds[i] }
            }
            rflat = lo2 <= lo1 * 1.05 + 5; fflat = mf2 <= mf1 + 2; qflat = q[k] == 0
            printf "\nRSS after warm-up, first half then second: lowest %.1f then %.1f MiB (%s), highest %.1f then %.1f MiB; peak (VmHWM) %.1f MiB\n",
                lo1, lo2, rflat ? "flat" : "GROWING", mr1, mr2, peak / 1024
            printf "open files: max %d then %d (%s); queue at the end: %d (%s)\n", mf1, mf2, fflat ? "flat" : "GROWING",
                q[k], qflat ? "drained" : "NOT DRAINED"
            printf "database: %.1f MiB for %d studies (%.1f KiB per study)\n", db[k], n, db[k] * 1024 / n
            printf "verdict: %s\n", (rflat && fflat && qflat) ? "flat" : "NOT flat"
        }' "$samples"
} >"$table"
echo
save_table soak "$table" | tail -12
