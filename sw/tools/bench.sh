#!/usr/bin/env bash
# The benchmark: wall time of the platforms against the golden model on the same work.
# Usage: sw/tools/bench.sh [BUILD_DIR]   (or: cmake --build build --target bench)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
cd "$root"
b="$build/spiketlm_bench"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$b" platforms/sata/sata.yaml traces/workloads/vgg9_tinyimagenet 1
"$b" platforms/sata/sata_tick_batch.yaml traces/workloads/vgg9_tinyimagenet 1
"$b" platforms/sata/sata.yaml traces/workloads/vgg16_tinyimagenet 1
"$b" platforms/sata/sata.yaml traces/fmnist_snn 200
"$b" platforms/sata/sata_tick_batch.yaml traces/fmnist_snn 200
