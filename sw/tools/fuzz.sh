#!/usr/bin/env bash
# Runs the libFuzzer harnesses of tests/fuzz (README.md there) under AddressSanitizer and
# UBSan, each for a given time or number of executions.
#   sw/tools/fuzz.sh [--time S] [--runs N] [--ci] [HARNESS...]   (default: all, 60 s each)
#   --ci      the short CI run (.ci/test): a fixed seed and a fixed number of executions per
#             harness (about 8 s each here; capped at 30 s), so every CI machine runs the same
#             inputs (a prefix of them when slower) and a finding reproduces; every harness
#   --runs N  N executions each instead of a time
# Harnesses: params npy bundle nir map sweep cosim. Builds build-fuzz/ (FUZZ_BUILD_DIR) with Debian's
# clang-14 and libfuzzer-14-dev (.ci/setup), -DSPIKETLM_FUZZ=ON. Each corpus grows in
# build-fuzz/corpus/<harness>, seeded from tests/fuzz/corpus/<harness>; a crash is written to
# build-fuzz/crashes/<harness>/ and the script exits 1 (make it a regression: README.md).
# Prints one line per harness: executions, seconds, rate, coverage (edges), corpus size.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/fuzz
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
time=60
runs=""
ci=0
harnesses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --ci) time=30; ci=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1, expected --time S, --runs N or --ci (see --help)" >&2; exit 2 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
if [ ${#harnesses[@]} -eq 0 ]; then
  harnesses=(params npy bundle nir map sweep cosim)
fi
for h in "${harnesses[@]}"; do
  [ -f "$here/fuzz_$h.cpp" ] || { echo "fuzz: unknown harness $h, expected one of params npy bundle nir map sweep cosim" >&2; exit 2; }
done
command -v clang++-14 >/dev/null || { echo "fuzz: clang++-14 not found, expected Debian's clang-14 (.ci/setup)" >&2; exit 1; }
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSPIKETLM_FUZZ=ON -DSPIKETLM_TESTS=OFF "${launcher[@]}" >"$build/configure.log" 2>&1 ||
  { tail -20 "$build/configure.log" >&2; echo "fuzz: configure failed, see $build/configure.log" >&2; exit 1; }
targets=()
for h in "${harnesses[@]}"; do targets+=(--target "fuzz_$h"); done
cmake --build "$build" -j"${JOBS:-$(nproc)}" "${targets[@]}" >"$build/build.log" 2>&1 ||
  { tail -30 "$build/build.log" >&2; echo "fuzz: build failed, see $build/build.log" >&2; exit 1; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export SC_COPYRIGHT_MESSAGE=DISABLE
# Executions per harness in --ci (about 8 s each on a 2-core CI machine; RESULTS.md rates)
ci_runs() {
  case "$1" in
    params) echo 4000 ;; npy) echo 80000 ;; bundle) echo 4000 ;; map) echo 50000 ;; sweep) echo 25000 ;; cosim) echo 200000 ;;
    nir) echo 150 ;;  # each execution forks the HDF5 reader (traces/nir/graph_guard.md): about 6/s
    *) echo 2000 ;;
  esac
}
status=0
for h in "${harnesses[@]}"; do
  mkdir -p "$build/corpus/$h" "$build/crashes/$h"
  limit=(-max_total_time="$time")
  [ -n "$runs" ] && limit=(-runs="$runs")
  # CI: the same mutation sequence in every run (a finding reproduces; libFuzzer's default seed
  # is the clock), from an empty working corpus, for a fixed number of executions
  if [ "$ci" -eq 1 ]; then
    rm -rf "$build/corpus/$h"
    mkdir -p "$build/corpus/$h"
    limit+=(-seed=1 -runs="${runs:-$(ci_runs "$h")}")
  fi
  dict=()
  [ -f "$here/$h.dict" ] && dict=(-dict="$here/$h.dict")
  log=$build/fuzz_$h.log
  rc=0
  start=$(date +%s.%N)
  # nir: libhdf5 allocates conversion buffers of the sizes a corrupted file claims (3 GB seen,
  # regressions/nir/libhdf5_3gb_conversion_buffer.nir), never touches them and frees them when
  # the read fails; only a bigger malloc is a finding there.
  malloc_mb=512
  [ "$h" = nir ] && malloc_mb=4096
  # nir: an allocation libhdf5 sizes from a corrupted field (terabytes seen) fails under the
  # reader's address-space cap (traces/nir/graph_guard.md, "Memory") and libhdf5 reports an
  # error; ASan must return null there as malloc does, not stop.
  asan=$ASAN_OPTIONS
  [ "$h" = nir ] && asan=${ASAN_OPTIONS//allocator_may_return_null=0/allocator_may_return_null=1}
  ASAN_OPTIONS=$asan "$build/fuzz/fuzz_$h" "$build/corpus/$h" "$here/corpus/$h" "${limit[@]}" "${dict[@]}" -max_len=65536 \
    -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=$malloc_mb -print_final_stats=1 \
    -artifact_prefix="$build/crashes/$h/" >"$log" 2>&1 || rc=$?
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE "cov: [0-9]+" "$log" | tail -1 | cut -d" " -f2 || true)
  corpus=$(find "$build/corpus/$h" -type f | wc -l)
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "fuzz $h: FAILED (exit $rc) after ${execs:-?} executions; log $log, input in $build/crashes/$h/"
    grep -m3 -E "ERROR|invariant|runtime error" "$log" || true
  else
    awk -v h="$h" -v n="${execs:-0}" -v s="$secs" -v c="$corpus" -v e="${cov:-?}" \
      'BEGIN { printf "fuzz %s: %d executions in %.0f s (%.0f/s), coverage %s edges, corpus %d inputs, no crash\n", h, n, s, n / s, e, c }'
  fi
done
exit $status
