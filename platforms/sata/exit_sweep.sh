#!/usr/bin/env bash
# DT-SNN threshold sweep: accuracy vs average timesteps vs energy and EDP, against the static
# run (threshold 0), for one platform configuration.
# Usage: platforms/sata/exit_sweep.sh [CONFIG] [TRACE] [SAMPLES] [BIN] [-c key=value ...]
#   e.g. platforms/sata/exit_sweep.sh platforms/sata/sata.yaml traces/fmnist_snn 1000
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cfg=${1:-platforms/sata/sata.yaml}
trace=${2:-traces/fmnist_snn}
n=${3:-1000}
bin=${4:-$root/build/spiketlm}
shift $(( $# < 4 ? $# : 4 ))
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf "%-9s %9s %9s %12s %12s %14s %9s %9s\n" threshold accuracy avg_T energy_uJ latency_us edp_J_s energy_vs latency_vs
base_e=""; base_l=""
for th in 0 0.5 0.7 0.8 0.85 0.9 0.95 0.99; do
  "$bin" run "$cfg" --trace "$trace" --samples "$n" --exit-threshold "$th" --quiet --csv "$tmp/r.csv" "$@"
  read -r acc avg e l edp < <(awk -F, '$1=="summary"{v[$2]=$3} END{print v["accuracy"], v["average_timesteps"], v["energy"], v["latency"], v["edp"]}' "$tmp/r.csv")
  [ -z "$base_e" ] && { base_e=$e; base_l=$l; }
  awk -v th="$th" -v a="$acc" -v t="$avg" -v e="$e" -v l="$l" -v d="$edp" -v be="$base_e" -v bl="$base_l" \
    'BEGIN{printf "%-9s %9.2f %9.3f %12.3f %12.2f %14.4g %8.1f%% %8.1f%%\n", th, a, t, e, l, d, 100*(e/be-1), 100*(l/bl-1)}'
done
