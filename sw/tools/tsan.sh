#!/usr/bin/env bash
# ThreadSanitizer run of what runs threads in spiketlm (issue 25). The simulator itself is one
# SystemC thread per process; sweeps and shards run processes (sw/dse), never threads. Threads
# exist only where the Python module releases the GIL: concurrent calls of run_in_child
# (sw/python/child.cpp) through one zygote. tests/tsan/child_threads.cpp drives exactly that from
# several threads; this script compiles it and child.cpp/request.cpp with gcc's -fsanitize=thread
# (Debian's libtsan2, part of g++), links the normal build's libraries (which run no threads), and
# runs it: TSan exits 66 on a data race; the program exits 1 unless every call returned the same
# report.
#   sw/tools/tsan.sh [BUILD_DIR] [THREADS] [CALLS_PER_THREAD]     (defaults: build, 4, 3)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
threads=${2:-4}
calls=${3:-3}
zygote=$build/python/spiketlm/spiketlm_zygote
[ -x "$zygote" ] || { echo "tsan: $zygote: expected the Python module's zygote (a normal build with pybind11-dev), got none" >&2; exit 1; }
out=$build/tsan
mkdir -p "$out"
flags=(-std=c++17 -O1 -g -fsanitize=thread -I"$root" $(pkg-config --cflags yaml-cpp))
libs=(-L"$build" -Wl,-rpath,"$build" -lspiketlm_sw -lspiketlm_platforms -lspiketlm_hw -lspiketlm_traces -lspiketlm_arith -lspiketlm_tlm
      $(pkg-config --libs yaml-cpp) -lsystemc -lpthread)
g++ "${flags[@]}" "$root/tests/tsan/child_threads.cpp" "$root/sw/python/child.cpp" "$root/sw/python/request.cpp" "$root/tests/fuzz/sc_main_stub.cpp" \
  "${libs[@]}" -o "$out/child_threads" 2>"$out/compile.log" ||
  { tail -20 "$out/compile.log" >&2; echo "tsan: compiling tests/tsan/child_threads.cpp failed (see $out/compile.log)" >&2; exit 1; }
cd "$root"
SC_COPYRIGHT_MESSAGE=DISABLE TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" \
  "$out/child_threads" "$zygote" platforms/sata/sata.yaml traces/fmnist_snn "$threads" "$calls"
