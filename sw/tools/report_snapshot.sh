#!/usr/bin/env bash
# Writes the JSON and CSV reports of a fixed matrix of runs (every bundled trace on both
# platforms, every dataflow and remedy) into OUT_DIR, one pair per case. Two builds' snapshots
# compare with `diff -r A B`: a refactoring that must not change results shows no difference.
# Usage: sw/tools/report_snapshot.sh BUILD_DIR OUT_DIR [--quick]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: report_snapshot.sh BUILD_DIR OUT_DIR [--quick]}" && pwd)
out=${2:?usage: report_snapshot.sh BUILD_DIR OUT_DIR [--quick]}
quick=${3:-}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"
n=20; [ "$quick" = "--quick" ] && n=5
sata=platforms/sata/sata.yaml; tb=platforms/sata/sata_tick_batch.yaml
sf=platforms/spikeflow/spikeflow.yaml; sfs=platforms/spikeflow/spikeflow_spikesim.yaml
ni="-c spikeflow.tile.pe.column.kind=imc.column.nonideal"
cases=(
  "sata_os_snn|$sata --trace traces/fmnist_snn --samples $n"
  "sata_ws_snn|$sata --trace traces/fmnist_snn --samples $n -c sata.dataflow.kind=dataflow.ws"
  "sata_tb_snn|$tb --trace traces/fmnist_snn --samples $n"
  "sata_os_c2|$sata --trace traces/fmnist_snn_c2 --samples $n -c sata.lif.kind=lif.shared -c sata.lif.share=2"
  "sata_os_c4|$sata --trace traces/fmnist_snn_c4 --samples $n -c sata.lif.kind=lif.shared -c sata.lif.share=4"
  "sata_os_m8|$sata --trace traces/fmnist_snn --samples $n -c sata.lif.membrane_bits=8"
  "sata_os_exit|$sata --trace traces/fmnist_snn --samples $n --exit-threshold 0.9"
  "sata_os_skip|$sata --trace traces/fmnist_snn --samples $n -c sata.pe_array.skip_zero_cycles=true"
  "sata_os_ann8|$sata --trace traces/fmnist_ann8 --samples $n"
  "sata_tb_ann4|$tb --trace traces/fmnist_ann4 --samples $n"
  "sata_os_vgg9|$sata --trace traces/workloads/vgg9_tinyimagenet --samples 1"
  "sata_tb_vgg9|$tb --trace traces/workloads/vgg9_tinyimagenet --samples 1"
  "sata_ws_vgg9c|$sata --trace traces/workloads/vgg9_cifar10 --samples 1 -c sata.dataflow.kind=dataflow.ws"
  "sata_os_vgg9_ann8|$sata --trace traces/workloads/vgg9_tinyimagenet --samples 1 --ann 8"
  "sata_os_resnet_ann8|$sata --trace traces/workloads/resnet18_tinyimagenet --samples 1 --ann 8"
  "sf_snn|$sf --trace traces/fmnist_snn --samples $n"
  "sf_snn_exit|$sf --trace traces/fmnist_snn --samples $n --exit-threshold 0.9"
  "sf_snn_c4|$sf --trace traces/fmnist_snn_c4 --samples $n -c spikeflow.tile.lif.kind=neuron.imc.shared -c spikeflow.tile.lif.share=4"
  "sf_snn_nonideal|$sf --trace traces/fmnist_snn --samples $n $ni -c spikeflow.tile.pe.column.variation=lognormal -c spikeflow.tile.pe.column.sigma=0.2"
  "sf_ann8|$sf --trace traces/fmnist_ann8 --samples $n"
  "sf_spikesim_vgg9c|$sfs --trace traces/workloads/vgg9_cifar10 --samples 1"
  "sf_vgg9_ann8|$sf --trace traces/workloads/vgg9_tinyimagenet --samples 1 --ann 8"
  "sf_resnet|$sf --trace traces/workloads/resnet18_tinyimagenet --samples 1"
  "memdemo|platforms/memdemo/memdemo.yaml"
)
fails=0
for c in "${cases[@]}"; do
  name=${c%%|*}; args=${c#*|}
  per_sample=--per-sample
  [ "$name" = memdemo ] && per_sample=""  # a memory demo has no samples (run.per_sample is not its key)
  # shellcheck disable=SC2086
  if ! "$build/spiketlm" run $args -q $per_sample --json "$out/$name.json" --csv "$out/$name.csv" 2>"$out/$name.err"; then
    echo "report_snapshot: $name failed: $(head -1 "$out/$name.err")" >&2; fails=$((fails + 1))
  fi
  [ -s "$out/$name.err" ] || rm -f "$out/$name.err"
done
echo "report_snapshot: ${#cases[@]} cases, $fails failed, in $out"
