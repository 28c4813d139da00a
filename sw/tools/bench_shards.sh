#!/usr/bin/env bash
# Sharded runs (issue 19 item 3, sw/run/shard.md): the same 400-sample SATA run (output-stationary,
# Fashion-MNIST) unsharded and with --shards 1, 2 and 4 on this machine's cores, best of two
# each, wall time of the whole command; the merged reports must equal the unsharded one byte for
# byte. "--shards 1" against the plain run is the overhead of sharding (a probe elaboration, the
# shard's state file, the merge's setup and one sample, the report recomputed).
# Usage: sw/tools/bench_shards.sh [BUILD_DIR]   (called by sw/tools/bench.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SC_COPYRIGHT_MESSAGE=DISABLE
run=("$build/spiketlm" run "$root/platforms/sata/sata.yaml" --trace "$root/traces/fmnist_snn" --samples 400 -q)
# one N: prints the best wall time of two runs with --shards N (0: unsharded) and checks the report.
one() {
  local best="" s e t extra=()
  [ "$1" -gt 0 ] && extra=(--shards "$1")
  for i in 1 2; do
    s=$(date +%s.%N)
    "${run[@]}" "${extra[@]}" --json "$tmp/r$1.json"
    e=$(date +%s.%N)
    t=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
  done
  if [ "$1" -gt 0 ] && ! cmp -s "$tmp/r0.json" "$tmp/r$1.json"; then echo "shards $1: report differs from the unsharded run" >&2; exit 1; fi
  echo "$best"
}
t0=$(one 0); t1=$(one 1); t2=$(one 2); t4=$(one 4)
awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t4="$t4" -v n="$(nproc)" 'BEGIN {
  printf "sharded run (SATA OS fmnist, 400 samples, %d cores, best of 2; reports byte-identical): unsharded %.2f s, --shards 1 %.2f s (merge overhead %.2f s), --shards 2 %.2f s (%.2fx), --shards 4 %.2f s (%.2fx)\n",
    n, t0, t1, t1 - t0, t2, t0 / t2, t4, t0 / t4 }'
