#!/usr/bin/env bash
# Sweep throughput on 2 cores against 1 (issue 19; target >= 1.8x): the same 16-point sweep
# (SATA output-stationary, Fashion-MNIST, 200 samples a point) run with -j 1 and -j 2 into
# fresh folders, best of two each. "run phase" is the first point's start to the last point's
# end (from the points' `time` files); "whole" also counts validation, collection and the plot.
# Usage: sw/tools/bench_sweep.sh [BUILD_DIR]   (called by sw/tools/bench.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
if [ "$(nproc)" -lt 2 ]; then echo "sweep throughput: skipped (needs 2 cores, this machine has $(nproc))"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/bench.yaml" <<YAML
name: bench
base: {config: $root/platforms/sata/sata.yaml, trace: $root/traces/fmnist_snn, samples: 200}
axes:
  - {key: sata.pe_array.rows, values: [8, 16, 32, 64]}
  - {key: run.exit_threshold, values: [0, 0.5, 0.7, 0.9]}
YAML
# one_run J N: prints "run_phase whole" in seconds for a fresh sweep with -j J.
one_run() {
  local out=$tmp/out_$1_$2 s e
  s=$(date +%s.%N)
  "$build/spiketlm" sweep "$tmp/bench.yaml" --out "$out" -j "$1" --no-progress >/dev/null
  e=$(date +%s.%N)
  cat "$out"/points/*/time | awk -v s="$s" -v e="$e" \
    'NR == 1 || $1 < a { a = $1 } NR == 1 || $2 > b { b = $2 } END { printf "%.3f %.3f\n", b - a, e - s }'
}
best() { sort -n | head -1; }
r1=$(for i in 1 2; do one_run 1 "$i"; done | best)
r2=$(for i in 1 2; do one_run 2 "$i"; done | best)
read -r p1 w1 <<<"$r1"
read -r p2 w2 <<<"$r2"
awk -v p1="$p1" -v w1="$w1" -v p2="$p2" -v w2="$w2" 'BEGIN {
  printf "sweep throughput (16 points, SATA OS fmnist 200 samples each, best of 2): -j 1 %.2f points/s (run phase %.2f s, whole %.2f s), -j 2 %.2f points/s (run phase %.2f s, whole %.2f s); 2 cores / 1 core: %.2fx run phase, %.2fx whole (target >= 1.8x)\n",
    16 / p1, p1, w1, 16 / p2, p2, w2, p1 / p2, w1 / w2 }'
