#!/usr/bin/env bash
# DT-SNN threshold sweep on SpikeFlow: accuracy vs average timesteps vs energy (total and
# IMC) vs latency vs EDP, against the static run (threshold 0: all T timesteps, SpikeSim's
# pipeline over T), for one platform configuration.
# Usage: platforms/spikeflow/exit_sweep.sh [CONFIG] [TRACE] [SAMPLES] [BIN] [-c key=value ...]
#   e.g. platforms/spikeflow/exit_sweep.sh platforms/spikeflow/spikeflow.yaml traces/fmnist_snn 1000 build/spiketlm
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cfg=${1:-platforms/spikeflow/spikeflow.yaml}
trace=${2:-traces/fmnist_snn}
n=${3:-1000}
bin=${4:-$root/build/spiketlm}
shift $(( $# < 4 ? $# : 4 ))
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf "%-9s %9s %7s %11s %10s %11s %12s %9s %9s %9s %9s\n" threshold accuracy avg_T energy_uJ imc_uJ latency_us edp_J_s energy_vs imc_vs lat_vs edp_vs
base=""
for th in 0 0.5 0.7 0.8 0.85 0.9 0.95 0.99; do
  "$bin" run "$cfg" --trace "$trace" --samples "$n" --exit-threshold "$th" --quiet --csv "$tmp/r.csv" "$@"
  row=$(awk -F, '$1=="summary"{v[$2]=$3} END{print v["accuracy"], v["average_timesteps"], v["energy"], v["imc_energy"], v["latency"], v["edp"]}' "$tmp/r.csv")
  [ -z "$base" ] && base=$row
  awk -v th="$th" -v r="$row" -v b="$base" 'BEGIN{
    split(r, x, " "); split(b, y, " ");
    printf "%-9s %9.2f %7.3f %11.3f %10.3f %11.2f %12.4g %8.1f%% %8.1f%% %8.1f%% %8.1f%%\n", th, x[1], x[2], x[3], x[4], x[5], x[6],
      100*(x[3]/y[3]-1), 100*(x[4]/y[4]-1), 100*(x[5]/y[5]-1), 100*(x[6]/y[6]-1)}'
done
