#!/usr/bin/env bash
# Peak memory of the node while it receives and analyses one large DBT object (with its SEG),
# uncompressed and JPEG-LS lossless per frame (dcmcjpls), against the object size. Each case
# runs in a fresh node, whose peak RSS (VmHWM in /proc/PID/status) is read once the SR is
# delivered. Target (issue 8): peak RSS < 25 % of the object size + 150 MB.
#
#   bench/memory.sh [--sizes "300 1000"] [--quick]
#
# --sizes: object sizes in MiB (uncompressed pixel data). --quick: one 40 MiB object.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v dcmcjpls >/dev/null || die "dcmcjpls (DCMTK) is not installed"

SIZES="300 1000" QUIET=1
while (($#)); do
    case $1 in
        --sizes) SIZES=$2; shift 2 ;;
        --quick) SIZES=40; shift ;;
        *) die "unknown option $1 (see the header of $0)" ;;
    esac
done

sink_port=$(free_port)
start_storescp "$WORK/sink" "$sink_port" SINK

table="$WORK/memory.txt"
{
    echo "Peak RSS of radnode serve receiving and analysing one DBT object (1 worker, quiet period ${QUIET} s)"
    echo "$(date -u '+%F %T UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-9s %-8s | %10s %10s | %10s %10s | %8s %s\n' "MiB" encoding "file MB" "peak MB" "target MB" "peak/file" "seconds" result
} >"$table"
cat "$table"

for size in $SIZES; do
    inputs="$WORK/inputs-$size"
    mkdir -p "$inputs"
    mapfile -t files < <(synth_study dbt 7 "$inputs" --frames $((size * 8)))
    image=${files[0]} seg=${files[1]}
    for encoding in raw jpegls; do
        send_opts=()
        if [[ $encoding == jpegls ]]; then
            dcmcjpls --encode-lossless --fragment-per-frame "$image" "$inputs/jpegls.dcm" || die "dcmcjpls failed"
            rm -f "$image"
            image="$inputs/jpegls.dcm"
            send_opts=(-xt)
        fi
        file_bytes=$(stat -c %s "$image")
        port=$(free_port)
        state="$WORK/node-$size-$encoding"
        mkdir -p "$state"
        write_node_config "$state/radnode.yaml" "$state" "$port" "$QUIET" 1 "$sink_port"
        start_node "$state/radnode.yaml" "$state/node.log"
        started=$(date +%s)
        storescu -aet BENCH -aec RADNODE --max-pdu 131072 -R "${send_opts[@]}" 127.0.0.1 "$port" "$image" "$seg" \
            >/dev/null 2>&1 || die "sending the $size MiB $encoding object failed"
        result=""
        while [[ -z "$result" ]]; do
            result=$(db "$state/radnode.sqlite" "SELECT CASE WHEN EXISTS (SELECT 1 FROM deliveries WHERE state = 'delivered')
                THEN 'delivered' WHEN EXISTS (SELECT 1 FROM jobs WHERE state = 'failed') THEN 'job failed' END")
            (($(date +%s) - started < 1800)) || result="timed out"
            kill -0 "$NODE_PID" 2>/dev/null || result="node died"
            [[ -n "$result" ]] || sleep 0.5
        done
        seconds=$(($(date +%s) - started))
        peak_kib=$(status_kib "$NODE_PID" VmHWM || echo 0)
        stop_node
        awk -v s="$size" -v e="$encoding" -v f="$file_bytes" -v p="$peak_kib" -v t="$seconds" -v r="$result" 'BEGIN {
            target = 0.25 * s * 1.048576 + 150
            printf "%-9s %-8s | %10.0f %10.0f | %10.0f %9.0f%% | %8d %s%s\n", s, e, f / 1e6, p * 1.024 / 1e3, target,
                100 * p * 1024 / f, t, r, (p * 1.024 / 1e3 <= target ? "" : " (over target)") }' | tee -a "$table"
        [[ "${KEEP_WORK:-0}" == 1 ]] || rm -rf "$state"
    done
    rm -rf "$inputs"
done
stop_storescp
echo
save_table memory "$table" | tail -1
