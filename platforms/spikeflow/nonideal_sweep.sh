#!/usr/bin/env bash
# Accuracy of SpikeFlow on the bundled SNN under device and interconnect non-idealities, with
# the non-ideality-aware encodings and BN adaptation (README.md, "Non-idealities").
# Usage: platforms/spikeflow/nonideal_sweep.sh [SPIKETLM] [EVAL_SAMPLES] [CAL_SAMPLES]
# Evaluation: the first EVAL_SAMPLES samples of traces/fmnist_snn; BN calibration (spiketlm
# calibrate, layer by layer): the last CAL_SAMPLES samples, disjoint (checked here, and a run of
# the calibrated bundle refuses overlapping samples). Prints a markdown table. IR drop rows use
# the nodal solve (the reference); one row repeats 5 Ohm with the fast model.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build/spiketlm}
n=${2:-200}
ncal=${3:-200}
cd "$root"
total=$(sed -n 's/^samples: *//p' traces/fmnist_snn/trace.yaml)
if [ $((n + ncal)) -gt "$total" ]; then
  echo "nonideal_sweep.sh: EVAL_SAMPLES $n + CAL_SAMPLES $ncal: expected at most $total (the bundle's samples) so that they are disjoint" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cfg=platforms/spikeflow/spikeflow.yaml
tr=traces/fmnist_snn
col="-c spikeflow.tile.pe.column.kind=imc.column.nonideal"
acc() {  # acc TRACE ARGS... -> accuracy after T, hrs share
  local t=$1; shift
  rm -f "$tmp/r.json"
  "$bin" run $cfg --trace "$t" --samples $n "$@" --quiet --json "$tmp/r.json" || { echo "FAILED"; return; }
  python3 -c "import json;r=json.load(open('$tmp/r.json'));print('%.1f %.1f' % (r['summary']['accuracy_pct'], r['breakdown']['hrs_share_pct']))"
}
cal() {  # cal ARGS... -> accuracy after BN adaptation
  rm -rf "$tmp/cal"
  "$bin" calibrate $cfg --trace $tr --samples $ncal "$@" --out "$tmp/cal" --quiet
  acc "$tmp/cal" "$@" | cut -d' ' -f1
}
echo "| non-ideality | offset (SpikeSim) | flip | differential | offset + BN adapt | differential + BN adapt | HRS share offset / flip / diff (%) |"
echo "|---|---|---|---|---|---|---|"
read -r a h <<<"$(acc $tr)"
echo "| ideal | $a | | | | | $h |"
while IFS='|' read -r name args; do
  read -r ao ho <<<"$(acc $tr $col $args)"
  read -r af hf <<<"$(acc $tr $col $args -c spikeflow.tile.pe.xbar.encoding=flip)"
  read -r ad hd <<<"$(acc $tr $col $args -c spikeflow.tile.pe.xbar.encoding=differential)"
  co=$(cal $col $args)
  cd_=$(cal $col $args -c spikeflow.tile.pe.xbar.encoding=differential)
  echo "| $name | $ao | $af | $ad | $co | $cd_ | $ho / $hf / $hd |"
done <<'CASES'
variation lognormal sigma 0.1|-c spikeflow.tile.pe.column.variation=lognormal -c spikeflow.tile.pe.column.sigma=0.1
variation lognormal sigma 0.2|-c spikeflow.tile.pe.column.variation=lognormal -c spikeflow.tile.pe.column.sigma=0.2
variation lognormal sigma 0.3|-c spikeflow.tile.pe.column.variation=lognormal -c spikeflow.tile.pe.column.sigma=0.3
Roff 200 kOhm (1-bit NICE), no leak correction|-c spikeflow.tile.pe.xbar.roff_kohm=200 -c spikeflow.tile.pe.column.leak_correction=false
stuck-at 1 % (half on)|-c spikeflow.tile.pe.column.stuck_rate=0.01
IR drop nodal, wire 0.5 Ohm|-c spikeflow.tile.pe.column.ir_drop=nodal -c spikeflow.tile.pe.column.wire_ohm=0.5
IR drop nodal, wire 1 Ohm|-c spikeflow.tile.pe.column.ir_drop=nodal -c spikeflow.tile.pe.column.wire_ohm=1
IR drop nodal, wire 5 Ohm (NICE)|-c spikeflow.tile.pe.column.ir_drop=nodal -c spikeflow.tile.pe.column.wire_ohm=5
IR drop fast, wire 5 Ohm (NICE)|-c spikeflow.tile.pe.column.ir_drop=fast -c spikeflow.tile.pe.column.wire_ohm=5
sigma 0.2 + wire 5 Ohm + sense offset 0.5 LSB|-c spikeflow.tile.pe.column.variation=lognormal -c spikeflow.tile.pe.column.sigma=0.2 -c spikeflow.tile.pe.column.ir_drop=nodal -c spikeflow.tile.pe.column.wire_ohm=5 -c spikeflow.tile.pe.column.sense_offset_lsb=0.5
CASES
