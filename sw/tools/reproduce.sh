#!/usr/bin/env bash
# The reproduction report: runs every experiment of "Are SNNs Truly Energy-efficient? - A
# Hardware Perspective" (Bhattacharjee et al., arXiv 2309.03388; FACTS.md section 4) on our
# models and writes REPRODUCTION.md (repository root), its plots and the data behind them
# (sw/doc/reproduction/).
#
# Usage: sw/tools/reproduce.sh [--quick] [--no-build] [BUILD_DIR]
#   BUILD_DIR   where spiketlm is built (Release), default build/
#   --quick     tiny sample counts (a smoke test); writes into BUILD_DIR/reproduction-quick/
#               (REPRODUCTION.md inside it), never over the committed report
#   --no-build  skip `.ci/setup --plots` and the build; use BUILD_DIR/spiketlm as it is
# Environment: JOBS (experiments run at the same time, default 2).
#
# Each experiment is one function `exp_<step>` below; it runs the CLI and leaves its JSON
# reports in $data/<experiment>/. A run of a feature this build has (`run`) must succeed, or
# the report is not written; a run of a feature that may not have landed yet (`try`) leaves
# <name>.na with the CLI's error line instead, and the report says "not available in this
# build: <reason>" in that row. sw/tools/reproduce.py draws the plots and writes the report.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3   # Debian's python: python3-matplotlib, python3-numpy (.ci/setup --plots)

die() { echo "reproduce: error: $*" >&2; exit 1; }

quick=0 build_step=1 build=""
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    --no-build) build_step=0 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $a (expected --quick, --no-build or a build directory)" ;;
    *) [ -z "$build" ] || die "more than one build directory given ($build, $a)"; build=$a ;;
  esac
done
build=${build:-$root/build}
if [ "$build_step" = 1 ]; then mkdir -p "$build" 2>/dev/null || die "cannot create build directory $build"; fi
[ -d "$build" ] || die "no build directory $build (build it, or drop --no-build)"
build=$(cd "$build" && pwd)
JOBS=${JOBS:-2}
now_ms() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN{printf "%.1f", (b - a) / 1000}'; }  # since $1 (ms)
t_start=$(now_ms)

# ---------------------------------------------------------------- setup and build
t_build=0 build_kind=skipped
if [ "$build_step" = 1 ]; then
  if [ -f "$build/CMakeCache.txt" ]; then build_kind=incremental; else build_kind=fresh; fi
  "$root/.ci/setup" --plots || die ".ci/setup --plots failed (the Debian packages could not be installed)"
  t0=$(now_ms)
  echo "reproduce: building spiketlm (Release) in $build"
  BUILD_TYPE=Release BUILD_DIR="$build" JOBS=${JOBS} "$root/.ci/build" --target spiketlm >"$build/reproduce-build.log" 2>&1 ||
    die "the build failed (log: $build/reproduce-build.log)"
  t_build=$(secs "$t0")
fi
bin=$build/spiketlm
[ -x "$bin" ] || die "no spiketlm binary in $build (build it, or drop --no-build)"
[ -x "$PY" ] && "$PY" -c "import matplotlib, numpy" 2>/dev/null ||
  die "$PY with matplotlib and numpy is needed for the plots (run .ci/setup --plots)"

# ---------------------------------------------------------------- outputs
if [ "$quick" = 1 ]; then
  out=$build/reproduction-quick; md=$out/REPRODUCTION.md; link=""
else
  out=$root/sw/doc/reproduction; md=$root/REPRODUCTION.md; link=sw/doc/reproduction/
fi
mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "$(dirname "$out")/.reproduction.XXXXXX")
trap 'rm -rf "$stage"' EXIT
data=$stage/data
scratch=$stage/scratch
logs=$build/reproduce-logs
mkdir -p "$data/timing" "$scratch"
rm -rf "$logs"; mkdir -p "$logs"

# ---------------------------------------------------------------- sample counts
if [ "$quick" = 1 ]; then
  N=20; GN=20; NI_N=10; NI_CAL=10
  TS_A="1 4"; TS_D="1 2"; THS="0 0.5 0.9"; WIDTHS="32 8 4"
  T2_ONLY="--only BNTT"   # Table II physical mode: the smallest row only
else
  N=1000      # Fashion-MNIST samples: LIF sharing, DT-SNN, membrane widths (all of the bundle)
  GN=200      # Fashion-MNIST samples for the energy breakdowns and SNN vs ANN (energy per sample)
  NI_N=200    # non-idealities: evaluated on the first NI_N samples
  NI_CAL=200  # BN adaptation: calibrated on the last NI_CAL samples (disjoint)
  TS_A="1 2 4 8"; TS_D="1 2 3 4 5 6 7 8"; THS="0 0.5 0.7 0.8 0.9 0.95 0.99"; WIDTHS="32 16 8 6 4"
  T2_ONLY=""              # Table II physical mode: every method
fi
SATA=platforms/sata/sata.yaml
SATA_TB=platforms/sata/sata_tick_batch.yaml
SF=platforms/spikeflow/spikeflow.yaml
SF_DENSE=platforms/spikeflow/spikeflow_spikesim.yaml
FM=traces/fmnist_snn
VGG9=traces/workloads/vgg9_tinyimagenet
VGG16=traces/workloads/vgg16_tinyimagenet
NI="-c spikeflow.tile.pe.column.kind=imc.column.nonideal"
# Non-ideality cases (id|label|overrides), a subset of platforms/spikeflow/nonideal_sweep.sh.
NI_CASES='sigma02|variation lognormal sigma 0.2|-c spikeflow.tile.pe.column.variation=lognormal -c spikeflow.tile.pe.column.sigma=0.2
ir5|IR drop nodal, wire 5 Ohm (NICE)|-c spikeflow.tile.pe.column.ir_drop=nodal -c spikeflow.tile.pe.column.wire_ohm=5
combo|sigma 0.2 + wire 5 Ohm + sense offset 0.5 LSB|-c spikeflow.tile.pe.column.variation=lognormal -c spikeflow.tile.pe.column.sigma=0.2 -c spikeflow.tile.pe.column.ir_drop=nodal -c spikeflow.tile.pe.column.wire_ohm=5 -c spikeflow.tile.pe.column.sense_offset_lsb=0.5'

# ---------------------------------------------------------------- run helpers
first_error() {  # first_error STDERR_FILE EXIT_CODE: the CLI's first error line, without its prefix
  local l
  l=$(grep -m1 -v '^\s*$' "$1" || true)
  l=${l#spiketlm: error: }; l=${l#spiketlm: }
  if [ "$2" -gt 128 ] 2>/dev/null; then
    l="spiketlm was killed by signal $(( $2 - 128 )) (SIG$(kill -l $(( $2 - 128 )) 2>/dev/null || echo '?'))${l:+: $l}"
  fi
  printf '%s' "${l:-exit code $2, no message}"
}
# run EXP NAME ARGS...: a feature this build has; a failure stops the report.
run() {
  local exp=$1 name=$2 rc=0; shift 2
  mkdir -p "$data/$exp"
  (cd "$root" && "$bin" "$@" --quiet --json "$data/$exp/$name.json") 2>"$data/$exp/$name.err" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "$exp/$name: spiketlm $*: $(first_error "$data/$exp/$name.err" "$rc")" >>"$data/$exp/FAILED"
    rm -f "$data/$exp/$name.json"
    return 1
  fi
  rm -f "$data/$exp/$name.err"
}
# try EXP NAME ARGS...: a feature that may not be in this build; a failure leaves NAME.na.
try() {
  local exp=$1 name=$2 rc=0; shift 2
  mkdir -p "$data/$exp"
  (cd "$root" && "$bin" "$@" --quiet --json "$data/$exp/$name.json") 2>"$data/$exp/$name.err" || rc=$?
  if [ "$rc" != 0 ]; then
    first_error "$data/$exp/$name.err" "$rc" >"$data/$exp/$name.na"
    echo >>"$data/$exp/$name.na"
    rm -f "$data/$exp/$name.json"
  fi
  rm -f "$data/$exp/$name.err"
}
# calibrate EXP NAME OUTDIR ARGS...: BN adaptation (spiketlm calibrate) into OUTDIR.
calibrate() {
  local exp=$1 name=$2 dir=$3 rc=0; shift 3
  mkdir -p "$data/$exp"
  rm -rf "$dir"
  (cd "$root" && "$bin" calibrate "$@" --out "$dir" --quiet) 2>"$data/$exp/$name.err" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "$exp/$name: spiketlm calibrate $*: $(first_error "$data/$exp/$name.err" "$rc")" >>"$data/$exp/FAILED"
    return 1
  fi
  rm -f "$data/$exp/$name.err"
}
na() {  # na EXP NAME REASON: a run that cannot be made in this tree
  mkdir -p "$data/$1"; echo "$3" >"$data/$1/$2.na"
}

# ---------------------------------------------------------------- experiments
# a. SATA: memory energy of tick-batch vs output-stationary over T (VGG9 Tiny ImageNet)
exp_a_dataflow() {
  for T in $TS_A; do
    run a_dataflow os_T$T run $SATA --trace $VGG9 --timesteps $T
    run a_dataflow tb_T$T run $SATA_TB --trace $VGG9 --timesteps $T
    # SATA's own membrane width (FACTS.md s1: 8 bit); ours default to 32 bit
    run a_dataflow os_m8_T$T run $SATA --trace $VGG9 --timesteps $T -c sata.lif.membrane_bits=8
    run a_dataflow tb_m8_T$T run $SATA_TB --trace $VGG9 --timesteps $T -c sata.lif.membrane_bits=8
  done
}
# b. SATA: LIF share of compute energy (energy by component); SpikeFlow's neuron share beside it
exp_b_lif_share() {
  run b_lif_share sata_vgg9_os run $SATA --trace $VGG9 --timesteps 4
  run b_lif_share sata_vgg9_tb run $SATA_TB --trace $VGG9 --timesteps 4
  run b_lif_share sata_fmnist_os run $SATA --trace $FM --samples $GN
  run b_lif_share sata_fmnist_tb run $SATA_TB --trace $FM --samples $GN
  run b_lif_share spikeflow_fmnist run $SF --trace $FM --samples $GN
}
# c. LIF sharing C#n: SATA (lif.shared) and SpikeFlow (neuron.imc.shared), each C#n network
exp_c_lif_sharing() {
  run c_lif_sharing sata_c1 run $SATA --trace $FM --samples $N
  for n in 2 4; do
    run c_lif_sharing sata_c$n run $SATA --trace ${FM}_c$n --samples $N -c sata.lif.kind=lif.shared -c sata.lif.share=$n
  done
  run c_lif_sharing spikeflow_c1 run $SF --trace $FM --samples $N
  for n in 2 4; do
    try c_lif_sharing spikeflow_c$n run $SF --trace ${FM}_c$n --samples $N \
      -c spikeflow.tile.lif.kind=neuron.imc.shared -c spikeflow.tile.lif.share=$n
  done
}
# d. SpikeFlow: EDP over T (VGG16 Tiny ImageNet), physical and SpikeSim's dense counting
exp_d_edp() {
  for T in $TS_D; do
    run d_edp physical_T$T run $SF --trace $VGG16 --timesteps $T
    run d_edp dense_T$T run $SF_DENSE --trace $VGG16 --timesteps $T
  done
}
# e. DT-SNN: accuracy vs average T vs EDP over exit thresholds (0 = static T)
exp_e_dtsnn_sata() {
  for th in $THS; do run e_dtsnn sata_th$th run $SATA --trace $FM --samples $N --exit-threshold $th; done
}
exp_e_dtsnn_spikeflow() {
  for th in $THS; do try e_dtsnn spikeflow_th$th run $SF --trace $FM --samples $N --exit-threshold $th; done
}
# f. Non-idealities: offset / flip / differential encoding, BN adaptation on offset and differential
ni_case() {  # ni_case ID
  local id=$1 line args cal=$scratch/cal_$1
  if [ "$id" = ideal ]; then
    run f_nonideal ideal run $SF --trace $FM --samples $NI_N
    return
  fi
  line=$(printf '%s\n' "$NI_CASES" | grep "^$id|")
  args=${line##*|}
  # shellcheck disable=SC2086
  {
    run f_nonideal ${id}_offset run $SF --trace $FM --samples $NI_N $NI $args
    run f_nonideal ${id}_flip run $SF --trace $FM --samples $NI_N $NI $args -c spikeflow.tile.pe.xbar.encoding=flip
    run f_nonideal ${id}_differential run $SF --trace $FM --samples $NI_N $NI $args -c spikeflow.tile.pe.xbar.encoding=differential
    calibrate f_nonideal ${id}_offset_bn "$cal" $SF --trace $FM --samples $NI_CAL $NI $args
    run f_nonideal ${id}_offset_bn run $SF --trace "$cal" --samples $NI_N $NI $args
    calibrate f_nonideal ${id}_differential_bn "$cal" $SF --trace $FM --samples $NI_CAL $NI $args -c spikeflow.tile.pe.xbar.encoding=differential
    run f_nonideal ${id}_differential_bn run $SF --trace "$cal" --samples $NI_N $NI $args -c spikeflow.tile.pe.xbar.encoding=differential
  }
  rm -rf "$cal"
}
exp_f_ideal() { ni_case ideal; }
exp_f_sigma02() { ni_case sigma02; }
exp_f_ir5() { ni_case ir5; }
exp_f_combo() { ni_case combo; }
# g. SNN vs ANN vs FLOP estimate, per platform: the Fashion-MNIST network (SNN bundle and its
# ANN bundles) and VGG9 Tiny ImageNet (workload; the ANN from --ann BITS)
exp_g_ann() {
  local p cfg
  for p in sata spikeflow; do
    [ $p = sata ] && cfg=$SATA || cfg=$SF
    run g_ann ${p}_fmnist_snn run $cfg --trace $FM --samples $GN
    for b in 8 4; do
      if [ -f "$root/traces/fmnist_ann$b/trace.yaml" ]; then
        try g_ann ${p}_fmnist_ann$b run $cfg --trace traces/fmnist_ann$b --samples $GN
      else
        na g_ann ${p}_fmnist_ann$b "there is no bundle traces/fmnist_ann$b in this tree"
      fi
    done
    run g_ann ${p}_vgg9_snn run $cfg --trace $VGG9 --timesteps 4
    for b in 8 4; do try g_ann ${p}_vgg9_ann$b run $cfg --trace $VGG9 --ann $b; done
  done
}
# i. The verdict (issue 22): SNN vs 8-bit ANN on SATA, SpikeFlow and SpikeFlow in SpikeSim's dense
# mode, each report with its energy by component (sw/tools/reproduce_verdict.py)
exp_i_verdict() {
  local p cfg
  for p in sata spikeflow spikesim; do
    case $p in sata) cfg=$SATA ;; spikeflow) cfg=$SF ;; *) cfg=$SF_DENSE ;; esac
    run i_verdict ${p}_fmnist_snn run $cfg --trace $FM --samples $GN
    try i_verdict ${p}_fmnist_ann8 run $cfg --trace traces/fmnist_ann8 --samples $GN
    run i_verdict ${p}_vgg9_snn run $cfg --trace $VGG9 --timesteps 4
    try i_verdict ${p}_vgg9_ann8 run $cfg --trace $VGG9 --ann 8
  done
}
# j. Table II per method (sw/tools/table2.py, sw/doc/table2/methods.yaml): the paper's accounting
# (instant) and the physical model (each method's network, SNN and --ann 8, on SATA and SpikeFlow;
# --quick: BNTT only). Bundles and run reports go to the scratch directory; the figures to table2.json.
exp_j_table2() {
  local rc=0
  mkdir -p "$data/j_table2"
  # shellcheck disable=SC2086
  (cd "$root" && "$PY" sw/tools/table2.py --mode both --spiketlm "$bin" --work "$scratch/table2" $T2_ONLY \
     --json "$data/j_table2/table2.json" >"$data/j_table2/table2.md") 2>"$data/j_table2/table2.err" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "j_table2/table2: sw/tools/table2.py: $(first_error "$data/j_table2/table2.err" "$rc")" >>"$data/j_table2/FAILED"
    return 1
  fi
  rm -f "$data/j_table2/table2.err"
}
# h. Membrane widths: accuracy, LIF energy and area per width (SATA), membrane area (SpikeFlow)
exp_h_membrane_sata() {
  for b in $WIDTHS; do run h_membrane sata_m$b run $SATA --trace $FM --samples $N -c sata.lif.membrane_bits=$b; done
}
exp_h_membrane_spikeflow() {
  for b in $WIDTHS; do run h_membrane spikeflow_m$b run $SF --trace $FM --samples $N -c spikeflow.tile.lif.membrane_bits=$b; done
}

# Longest first, so that the two lanes finish together.
STEPS="f_ir5 f_combo j_table2 h_membrane_sata c_lif_sharing e_dtsnn_sata d_edp e_dtsnn_spikeflow h_membrane_spikeflow
       g_ann i_verdict a_dataflow b_lif_share f_sigma02 f_ideal"

step() {  # step NAME: runs exp_NAME, its log in $logs, its wall time in $data/timing
  local s=$1 t0 rc=0
  t0=$(now_ms)
  # In the background and waited for: `( ... ) || rc=$?` would switch off set -e inside.
  ( set -euo pipefail; "exp_$s" ) >"$logs/$s.log" 2>&1 &
  wait $! || rc=$?
  secs "$t0" >"$data/timing/$s"
  [ "$rc" = 0 ] || echo "step $s failed with exit code $rc (log: $logs/$s.log)" >"$data/timing/$s.FAILED"
  echo "reproduce: $s done in $(cat "$data/timing/$s") s$([ "$rc" = 0 ] || echo ' (FAILED)')"
}

echo "reproduce: running the experiments ($JOBS at a time; logs in $logs)"
t_exp0=$(now_ms)
for s in $STEPS; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  step "$s" &
done
wait
t_exp=$(secs "$t_exp0")
fail=$(cat "$data"/*/FAILED "$data"/timing/*.FAILED 2>/dev/null | head -1 || true)
[ -z "$fail" ] || die "$fail"
rm -rf "$scratch"

# ---------------------------------------------------------------- the report
commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# (grep -v finds nothing on a clean checkout: that is 0 files, not a failure)
dirty=$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | { grep -v -e ' REPRODUCTION.md$' -e ' sw/doc/reproduction/' || true; } | wc -l)
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
{
  echo "quick=$quick"
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit=$commit"
  echo "dirty_files=$dirty"
  echo "machine=${cpu:-unknown CPU}, $(nproc) cores, $(free -g 2>/dev/null | awk '/^Mem:/{print $2 " GB RAM"}')"
  echo "os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  echo "jobs=$JOBS"
  echo "t_start=$t_start"
  echo "t_build=$t_build"
  echo "build_kind=$build_kind"
  echo "t_experiments=$t_exp"
  echo "N=$N"; echo "GN=$GN"; echo "NI_N=$NI_N"; echo "NI_CAL=$NI_CAL"
  echo "TS_A=$TS_A"; echo "TS_D=$TS_D"; echo "THS=$THS"; echo "WIDTHS=$WIDTHS"
  printf '%s\n' "$NI_CASES" | while IFS='|' read -r id label args; do echo "ni_case=$id|$label"; done
} >"$data/meta.txt"
"$PY" "$root/sw/tools/reproduce.py" "$stage" --md "$stage/REPRODUCTION.md" --link "$link" --root "$root"

# Into place: the output directory is swapped in one rename, the report moved last.
mv "$stage/REPRODUCTION.md" "$stage/.REPRODUCTION.md"
old=""
if [ -e "$out" ]; then old=$(mktemp -d "$(dirname "$out")/.reproduction.old.XXXXXX"); mv "$out" "$old/"; fi
mv "$stage" "$out"
trap - EXIT
[ -z "$old" ] || rm -rf "$old"
mv "$out/.REPRODUCTION.md" "$md.tmp.$$"
mv "$md.tmp.$$" "$md"
echo "reproduce: wrote $md and $out/ in $(secs "$t_start") s"
