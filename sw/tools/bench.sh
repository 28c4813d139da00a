#!/usr/bin/env bash
# The benchmark: wall time of the platforms against the golden model on the same work.
# Usage: sw/tools/bench.sh [BUILD_DIR]   (or: cmake --build build --target bench)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
cd "$root"
bench="$build/spiketlm_bench"
# Each case: the best (lowest simulation time) of three processes, each timing the golden model
# best of three, so that a shared machine's noise inflates neither side.
b() {
  local i out best="" bt=""
  for i in 1 2 3; do
    out=$("$bench" "$@")
    local t; t=$(sed -n 's/.*| sim \([0-9.]*\) s.*/\1/p' <<<"$out")
    if [ -z "$bt" ] || awk -v a="$t" -v b="$bt" 'BEGIN { exit !(a < b) }'; then bt=$t; best=$out; fi
  done
  echo "$best"
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); best of 3 runs per line"
b platforms/sata/sata.yaml traces/workloads/vgg9_tinyimagenet 1
b platforms/sata/sata_tick_batch.yaml traces/workloads/vgg9_tinyimagenet 1
b platforms/sata/sata.yaml traces/workloads/vgg16_tinyimagenet 1
b platforms/sata/sata.yaml traces/fmnist_snn 200
b platforms/sata/sata_tick_batch.yaml traces/fmnist_snn 200
b platforms/sata/sata.yaml traces/fmnist_ann8 200
b platforms/spikeflow/spikeflow.yaml traces/workloads/vgg16_tinyimagenet 1
# SpikeFlow: ideal columns against each non-ideality model (hw/imc/crossbar.md), fmnist; each
# line ends with its wall time relative to the ideal run.
sf_ideal=""
sf() {  # sf LABEL [-c ...]: one SpikeFlow run, its time against the first (ideal) one
  local label=$1 line t; shift
  line=$(b platforms/spikeflow/spikeflow.yaml traces/fmnist_snn 200 "$@")
  t=$(sed -n 's/.*| sim \([0-9.]*\) s.*/\1/p' <<<"$line")
  [ -n "$sf_ideal" ] || sf_ideal=$t
  echo "$line | $label: $(awk -v a="$t" -v b="$sf_ideal" 'BEGIN { printf "%.2f", a / b }')x ideal"
}
ni="-c spikeflow.tile.pe.column.kind=imc.column.nonideal"
sf "ideal columns"
sf "non-ideal model, all off" $ni
sf "variation lognormal 0.2" $ni -c spikeflow.tile.pe.column.variation=lognormal -c spikeflow.tile.pe.column.sigma=0.2
sf "stuck-at 1 %" $ni -c spikeflow.tile.pe.column.stuck_rate=0.01
sf "IR drop fast 5 Ohm" $ni -c spikeflow.tile.pe.column.ir_drop=fast -c spikeflow.tile.pe.column.wire_ohm=5
sf "IR drop nodal 5 Ohm" $ni -c spikeflow.tile.pe.column.ir_drop=nodal -c spikeflow.tile.pe.column.wire_ohm=5
# NorthPole, ResNet-50 ImageNet as ANN8 (batch 1 and batch 32 in one run): wall time, best of 3
# (issue #20: under 60 s on one core).
np_t=$(for i in 1 2 3; do s=$(date +%s.%N); "$build/spiketlm" run platforms/northpole/northpole.yaml \
  --trace traces/workloads/resnet50_imagenet --ann 8 -q; e=$(date +%s.%N); awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", b - a }'; done | sort -n | head -1)
echo "northpole resnet50_imagenet ANN8 (batch 1 + 32): ${np_t} s wall (target < 60 s)"
# VCD overhead: the same SATA run (Fashion-MNIST, 200 samples) without and with --vcd, best of 3.
vcd_tmp=$(mktemp -d)
best() { sort -n | head -1; }
run_t() { local s e; s=$(date +%s.%N); "$build/spiketlm" run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 200 -q "$@"; e=$(date +%s.%N); awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", b - a }'; }
t_off=$(for i in 1 2 3; do run_t; done | best)
t_on=$(for i in 1 2 3; do run_t --vcd "$vcd_tmp/run.vcd"; done | best)
echo "vcd overhead (SATA OS, fmnist, 200 samples): without ${t_off} s, with --vcd ${t_on} s, VCD $(stat -c %s "$vcd_tmp/run.vcd") bytes, $(grep -c '^#' "$vcd_tmp/run.vcd") time stamps"
rm -rf "$vcd_tmp"
# Mapping explorer (sw/map): mappings evaluated per second and search time per benchmark
# (annealing, 200000 steps, seed 1), beside the wall time of one cycle-level baseline run.
for tr in traces/workloads/sew_resnet_dvsgesture traces/workloads/resnet18_tinyimagenet traces/workloads/vgg9_cifar10; do
  mj=$(mktemp)
  "$build/spiketlm" map platforms/sata/sata.yaml --trace "$tr" --iterations 200000 --json "$mj" -q
  s=$(date +%s.%N); "$build/spiketlm" run platforms/sata/sata.yaml --trace "$tr" -q; e=$(date +%s.%N)
  /usr/bin/python3 - "$mj" "$tr" "$s" "$e" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["search"]
rate, t, n = r["mappings_per_s"], r["search_time_s"], r["evaluated_mappings"]
tlm = float(sys.argv[4]) - float(sys.argv[3])
print(f"map {sys.argv[2].split('/')[-1]}: {n} mappings in {t:.3f} s = {rate:,.0f} mappings/s; one TLM baseline run {tlm:.2f} s "
      f"(= {tlm * rate:,.0f} mapping evaluations)")
PY
  rm -f "$mj"
done
# Setup share (issue #19 item 6): VGG16 Tiny-ImageNet, simulation time of 1 and 3 samples (best
# of 3 each, golden model not counted); per sample = (t3 - t1) / 2, setup = t1 - per sample;
# the share of a 100-sample run = setup / (setup + 100 x per sample). Memory: the peak RSS of a
# plain `spiketlm run` of 3 samples (the bench binary also holds the golden model's weights),
# per weight, beside that of `spiketlm --help` (the process without a platform).
rss_of() {  # peak RSS in MiB (ru_maxrss is in KiB) of one command, measured by its parent
  /usr/bin/python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)' "$@"
}
base_mb=$(rss_of "$build/spiketlm" --help)
for p in sata/sata spikeflow/spikeflow; do
  l1=$(b "platforms/$p.yaml" traces/workloads/vgg16_tinyimagenet 1)
  l3=$(b "platforms/$p.yaml" traces/workloads/vgg16_tinyimagenet 3)
  mb=$(rss_of "$build/spiketlm" run "platforms/$p.yaml" --trace traces/workloads/vgg16_tinyimagenet -c run.samples=3 -q)
  /usr/bin/python3 - "$p" "$l1" "$l3" "$mb" "$base_mb" <<'PY'
import re, sys
sim = lambda line: float(re.search(r"\| sim ([0-9.]+) s", line).group(1))
t1, t3 = sim(sys.argv[2]), sim(sys.argv[3])
per = (t3 - t1) / 2
setup = max(t1 - per, 0.0)
import yaml
layers = yaml.safe_load(open("traces/workloads/vgg16_tinyimagenet/trace.yaml"))["layers"]
weights = sum(l["in_channels"] * l["out_channels"] * l["kernel"] ** 2 if l["type"] == "conv2d" else
              l["in_features"] * l["out_features"] if l["type"] == "linear" else 0 for l in layers)
mb, base = float(sys.argv[4]), float(sys.argv[5])
print(f"setup {sys.argv[1].split('/')[0]} vgg16_tinyimagenet: {setup:.3f} s setup, {per:.3f} s per sample, "
      f"{100 * setup / (setup + 100 * per):.1f} % of a 100-sample run (target < 10 %); spiketlm run peak RSS "
      f"{mb:.1f} MiB = {mb * 2**20 / weights:.2f} B per weight (target <= 1.5), of which the bare process "
      f"{base:.1f} MiB = {base * 2**20 / weights:.2f} B per weight")
PY
done
# Instructions of two builds side by side (load-independent; needs valgrind, not run here):
#   sw/tools/bench_instructions.sh OLD_BUILD NEW_BUILD
# Sweep throughput on 2 cores against 1 (sw/tools/bench_sweep.sh).
"$root/sw/tools/bench_sweep.sh" "$build"
# A sharded run against the unsharded one (sw/tools/bench_shards.sh).
"$root/sw/tools/bench_shards.sh" "$build"
