#!/bin/sh
# EDP versus timesteps on a workload bundle (default VGG16 / Tiny ImageNet), T = 1..8, for the
# physical configuration (spikeflow.yaml) and SpikeSim's dense counting (spikeflow_spikesim.yaml).
# Usage: platforms/spikeflow/edp_sweep.sh [SPIKETLM_BINARY] [BUNDLE_DIR]   (from the repository root)
# Prints a Markdown table (the one in README.md).
set -e
BIN=${1:-build/spiketlm}
BUNDLE=${2:-traces/workloads/vgg16_tinyimagenet}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "| T | mode | latency (ms) | IMC energy (uJ) | total energy (uJ) | EDP IMC (uJ*ms) | EDP total (uJ*ms) |"
echo "|---|---|---|---|---|---|---|"
for T in 1 2 3 4 5 6 7 8; do
  for cfg in spikeflow spikeflow_spikesim; do
    "$BIN" run platforms/spikeflow/$cfg.yaml --trace "$BUNDLE" --timesteps $T --quiet --json "$TMP/r.json"
    python3 - "$TMP/r.json" "$T" "$cfg" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
j = {**r["summary"], **r["breakdown"]}
lat = j["latency_us"] / 1e3
mode = "physical" if sys.argv[3] == "spikeflow" else "dense (SpikeSim)"
print(f"| {sys.argv[2]} | {mode} | {lat:.3f} | {j['imc_energy_uj']:.1f} | {j['energy_uj']:.1f} | {j['imc_energy_uj']*lat:.1f} | {j['energy_uj']*lat:.1f} |")
PY
  done
done
