#!/usr/bin/env bash
# DT-SNN threshold sweep on any platform: accuracy vs average timesteps vs energy (and the IMC
# energy where the report has one) vs latency vs EDP, against the static run (threshold 0: all
# T timesteps), for one platform configuration.
# Usage: sw/tools/exit_sweep.sh CONFIG [TRACE] [SAMPLES] [BIN] [-c key=value ...]
#   e.g. sw/tools/exit_sweep.sh platforms/sata/sata.yaml traces/fmnist_snn 1000
#        sw/tools/exit_sweep.sh platforms/spikeflow/spikeflow.yaml traces/fmnist_snn 1000 build/spiketlm
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 CONFIG [TRACE] [SAMPLES] [BIN] [-c key=value ...]" >&2; exit 2; }
cfg=$1
trace=${2:-traces/fmnist_snn}
n=${3:-1000}
bin=${4:-$root/build/spiketlm}
shift $(( $# < 4 ? $# : 4 ))
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Columns: the report keys below that the platform reports (imc_energy_uj: SpikeFlow only).
keys="energy_uj imc_energy_uj latency_us edp_j_s"
base=""
for th in 0 0.5 0.7 0.8 0.85 0.9 0.95 0.99; do
  "$bin" run "$cfg" --trace "$trace" --samples "$n" --exit-threshold "$th" --quiet --csv "$tmp/r.csv" "$@"
  row=$(awk -F, -v keys="$keys" '$2==""{v[$3]=$4} END{
    n = split(keys, k, " "); s = v["accuracy_pct"] " " v["average_timesteps"];
    for (i = 1; i <= n; ++i) s = s " " (k[i] in v ? v[k[i]] : "-");
    print s}' "$tmp/r.csv")
  if [ -z "$base" ]; then
    base=$row
    awk -v r="$row" -v keys="$keys" 'BEGIN{ split(r, x, " "); n = split(keys, k, " ");
      printf "%-9s %9s %7s", "threshold", "accuracy", "avg_T";
      for (i = 1; i <= n; ++i) if (x[i + 2] != "-") printf " %12s", k[i];
      for (i = 1; i <= n; ++i) if (x[i + 2] != "-") printf " %10s", k[i] "_vs";
      printf "\n" }'
  fi
  awk -v th="$th" -v r="$row" -v b="$base" -v keys="$keys" 'BEGIN{
    split(r, x, " "); split(b, y, " "); n = split(keys, k, " ");
    printf "%-9s %9.2f %7.3f", th, x[1], x[2];
    for (i = 1; i <= n; ++i) if (x[i + 2] != "-") printf " %12.5g", x[i + 2];
    for (i = 1; i <= n; ++i) if (x[i + 2] != "-") printf " %9.1f%%", 100 * (x[i + 2] / y[i + 2] - 1);
    printf "\n" }'
done
