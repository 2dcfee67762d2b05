#!/usr/bin/env bash
# Reproduces node/demo-model.yaml byte for byte: a synthetic ultrasound cohort with simulated
# node status (radnode synth --truth), analysed by a real node with the demo's analysis
# settings, exported with its labels and trained by `radnode train`. Synthetic data only:
# the model is for demonstration. Usage: scripts/train-demo-model.sh [OUT.yaml]
#   RADNODE=path/to/radnode (default build/node/radnode), CASES=200.
set -euo pipefail
cd "$(dirname "$0")/.."
radnode="${RADNODE:-build/node/radnode}"
out="${1:-node/demo-model.yaml}"
cases="${CASES:-200}"
work="$(mktemp -d "${TMPDIR:-/tmp}/radnode-train-demo-XXXXXX")"
node_pid=""
cleanup() {
    if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# 1. The cohort: seeds 1..N, tumour diameters spread over 6..24 mm by the seed.
echo "train-demo-model: synthesising $cases ultrasound studies in $work/cohort"
for seed in $(seq 1 "$cases"); do
    lesion_mm=$(( 6 + (seed * 37) % 19 ))
    "$radnode" synth --modality us --no-node --seed "$seed" --lesion-mm "$lesion_mm" \
        --out "$work/cohort" --truth "$work/truth.csv" >/dev/null
done
echo "train-demo-model: $(grep -c ',pN0,' "$work/truth.csv") N0 and $(grep -vc ',pN0,\|^accession' "$work/truth.csv") N+ (simulated)"

# 2. A node on loopback with the demo's analysis settings (the defaults), no destination.
# A loopback port nothing answers on (the node's bind would fail loudly otherwise).
port=$(( 20000 + $$ % 20000 ))
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
cat > "$work/radnode.yaml" <<YAML
listener:
  port: $port
storage:
  state_directory: $work/state
assembly:
  quiet_period: 1s
workers:
  count: 2
destinations: []
models: []
http:
  enabled: false
log_level: warning
YAML
"$radnode" serve --config "$work/radnode.yaml" > "$work/serve.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 50); do
    if echoscu -aec RADNODE 127.0.0.1 "$port" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$node_pid" 2>/dev/null; then cat "$work/serve.log" >&2; node_pid=""; exit 1; fi
    sleep 0.2
done
echo "train-demo-model: node listening on 127.0.0.1:$port, sending the cohort with storescu"
storescu -aec RADNODE -R +sd 127.0.0.1 "$port" "$work/cohort"

# 3. Wait until every study has a result.
start=$SECONDS
while :; do
    results=$(sqlite3 "$work/state/radnode.sqlite" "select count(distinct study_uid) from results" 2>/dev/null || echo 0)
    [ "$results" -ge "$cases" ] && break
    if [ $((SECONDS - start)) -gt 1200 ]; then echo "train-demo-model: timed out with $results of $cases results" >&2; exit 1; fi
    sleep 2
done
kill "$node_pid"; wait "$node_pid" || true; node_pid=""
echo "train-demo-model: $results results in $((SECONDS - start)) s"

# 4. Feature table with labels, then the model.
"$radnode" export --state-dir "$work/state" --pathology "$work/truth.csv" --labelled-only --out "$work/all-features.csv"
# Only the tumour's own shape and first-order features: a small model a reader can follow.
awk -F, 'BEGIN { OFS = "," }
    NR == 1 { for (i = 1; i <= NF; ++i) keep[i] = ($i !~ /\//) || ($i ~ /^tumor\/\*\/original_(shape2D|firstorder)_/) }
    { line = ""; for (i = 1; i <= NF; ++i) if (keep[i]) line = line (line == "" ? "" : OFS) $i; print line }' \
    "$work/all-features.csv" > "$work/features.csv"
echo "train-demo-model: training on $(head -1 "$work/features.csv" | tr ',' '\n' | grep -c /) tumour shape and first-order features"
"$radnode" train --features "$work/features.csv" --label n_status --id accession_number \
    --exclude study_uid n_burden --synthetic --name radnode-demo-us --version 1 --modality US \
    --segmentation "tumour segment (SCT 108369006) on a calibrated US image" \
    --out "$out"
echo "train-demo-model: wrote $out"
