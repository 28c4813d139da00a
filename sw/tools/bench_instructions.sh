#!/usr/bin/env bash
# Instructions executed by two builds on the same runs, side by side (valgrind's callgrind):
# a speed comparison that does not depend on the machine's load (issue 17: the refactored
# controller within 5 % of the old one).
#   sw/tools/bench_instructions.sh OLD_BUILD NEW_BUILD [SAMPLES]   (default 50)
# Each build dir must hold spiketlm_bench; each build runs the tree it was built from
# (platform YAMLs and traces of its own source tree, found from its CMakeCache). Prints one
# line per platform: old and new instruction counts and new/old.
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,8p "$0" >&2; exit 2; }
old=$(cd "$1" && pwd); new=$(cd "$2" && pwd); samples=${3:-50}
command -v valgrind >/dev/null || { echo "bench_instructions: valgrind not found (Debian package valgrind)" >&2; exit 1; }
src_of() { sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$1/CMakeCache.txt"; }
count() {  # build platform -> instructions
  local b=$1 p=$2 out
  out=$(mktemp)
  (cd "$(src_of "$b")" && SC_COPYRIGHT_MESSAGE=DISABLE valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$b/spiketlm_bench" "platforms/$p/$p.yaml" traces/fmnist_snn "$samples" >"$out" 2>&1) ||
    { cat "$out" >&2; rm -f "$out"; echo "bench_instructions: $b failed on $p" >&2; exit 1; }
  sed -n 's/.*Collected : *//p' "$out"; rm -f "$out"
}
for p in sata spikeflow; do
  a=$(count "$old" "$p"); b=$(count "$new" "$p")
  awk -v p="$p" -v a="$a" -v b="$b" -v n="$samples" \
    'BEGIN { printf "instructions %s fmnist_snn %d samples: old %.0f, new %.0f, new/old %.4f\n", p, n, a, b, b / a }'
done
