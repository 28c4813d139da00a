#!/usr/bin/env bash
# CI: spiketlm sweep on a real Slurm. Starts a single-node cluster under a temporary directory
# (tests/slurm/slurm_cluster.sh: munged with its own socket, slurmctld and slurmd as root on
# free ports), then:
#   1. the 4-point sweep of tests/slurm/sweep.yaml with --backend local and with --backend
#      slurm: every point's report.json is byte-identical between the two, and so are the
#      metric columns of results.csv;
#   2. the same sweep submitted again (--no-wait, one task at a time), one array task
#      cancelled with scancel: waiting ends with that point failed (exit code 1, listed) and
#      the others done; --retry-failed runs that point alone and completes the sweep, and no
#      finished point ran twice (attempts in sweep.db);
#   3. the same points as tests/slurm/sweep_shards.yaml, each split into 3 shards that run as
#      array tasks of their own and are merged by the driver: every point's report.json is
#      byte-identical to the unsharded local one; one shard task cancelled fails its point,
#      and --retry-failed runs that shard alone;
#   4. stops the daemons.
# Exits 77 (CTest: skipped) with the reason where the daemons cannot start (not root, Slurm or
# munge not installed, a daemon failing). Usage: tests/slurm/slurm_sweep.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: slurm_sweep.sh BUILD_DIR}" && pwd)
spiketlm=$build/spiketlm
sweep=$root/tests/slurm/sweep.yaml
skip() { echo "SKIPPED: Slurm test: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root to start munged, slurmctld and slurmd (SlurmUser=root)"
for p in munged munge unmunge slurmctld slurmd sbatch squeue scancel sinfo runuser; do
  command -v "$p" >/dev/null || skip "$p is not installed (.ci/setup installs slurm-wlm and munge)"
done
# shellcheck source=tests/slurm/slurm_cluster.sh
source "$root/tests/slurm/slurm_cluster.sh"
tmp=$(mktemp -d /tmp/spiketlm_slurm.XXXXXX)
chmod 755 "$tmp"
trap 'slurm_stop; rm -rf "$tmp"' EXIT
t0=$(date +%s.%N)
slurm_start "$tmp/cluster" || skip "$slurm_why"
fail() { echo "FAIL: $*"; for f in "$tmp"/cluster/log/*.log; do echo "--- $f"; tail -n 5 "$f"; done; exit 1; }

# Metric columns of a results.csv (without the timing, error and folder columns).
metrics() { /usr/bin/python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print(",".join(v for k, v in r.items() if k not in ("seconds", "error", "dir")))' "$1"; }
# Attempts of each point ("point:attempts ...") from the sweep database.
attempts() { /usr/bin/python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(" ".join("%d:%d" % r for r in c.execute("SELECT point, attempts FROM points ORDER BY point")))' "$1"; }

echo "== 1. local and slurm backends"
"$spiketlm" sweep "$sweep" --out "$tmp/local" -j 2 >"$tmp/local.out" 2>&1 || fail "local sweep: $(cat "$tmp/local.out")"
"$spiketlm" sweep "$sweep" --out "$tmp/slurm" --backend slurm --poll 1 >"$tmp/slurm.out" 2>&1 ||
  fail "slurm sweep: $(cat "$tmp/slurm.out")"
grep -q "submitted 4 points as Slurm job" "$tmp/slurm.out" || fail "no submission in: $(cat "$tmp/slurm.out")"
for p in 0 1 2 3; do
  cmp "$tmp/local/points/000$p/report.json" "$tmp/slurm/points/000$p/report.json" || fail "point $p differs"
done
[ "$(metrics "$tmp/local/results.csv")" = "$(metrics "$tmp/slurm/results.csv")" ] || fail "results.csv differ"
[ "$(metrics "$tmp/slurm/results.csv" | grep -c '^[0-9]*,done,')" = 4 ] || fail "not 4 done points"

# cancel_and_retry SWEEP OUT TASK FAILED_LINE SUBMITTED_LINE POINT: submits SWEEP one task at a
# time, scancels array task TASK before it runs, waits (exit code 1, "3 done, 1 failed",
# FAILED_LINE on stderr: "<job>" in it stands for the job id), then --retry-failed (its output
# must hold SUBMITTED_LINE and "4 done, 0 failed"); point POINT's report must equal the local one.
cancel_and_retry() {
  local sw=$1 out=$2 task=$3 failed=$4 submitted=$5 point=$6 job rc
  "$spiketlm" sweep "$sw" --out "$out" --backend slurm --no-wait --throttle 1 >"$out.submit" 2>&1 ||
    fail "submission: $(cat "$out.submit")"
  job=$(sed -n 's/.*as Slurm job \([0-9]*\).*/\1/p' "$out.submit")
  [ -n "$job" ] || fail "no job id in: $(cat "$out.submit")"
  scancel "${job}_$task"
  set +e
  "$spiketlm" sweep "$sw" --out "$out" --backend slurm --poll 1 >"$out.wait" 2>"$out.err"
  rc=$?
  set -e
  [ $rc = 1 ] || fail "waiting on a sweep with a cancelled task: exit code $rc, expected 1"
  grep -q "3 done, 1 failed" "$out.wait" || fail "after scancel: $(cat "$out.wait")"
  grep -q "${failed//<job>/$job}" "$out.err" || fail "cancelled task not listed: $(cat "$out.err")"
  "$spiketlm" sweep "$sw" --out "$out" --backend slurm --retry-failed --poll 1 >"$out.retry" 2>&1 ||
    fail "--retry-failed: $(cat "$out.retry")"
  grep -qF "$submitted" "$out.retry" || fail "--retry-failed ran more: $(cat "$out.retry")"
  grep -q "4 done, 0 failed" "$out.retry" || fail "after --retry-failed: $(cat "$out.retry")"
  cmp "$tmp/local/points/000$point/report.json" "$out/points/000$point/report.json" || fail "retried point differs"
}

echo "== 2. scancel one array task, then --retry-failed"
cancel_and_retry "$sweep" "$tmp/cancel" 3 "sweep point 3 failed: Slurm task <job>_3 ended without a result" \
  "submitted 1 points as" 3
[ "$(attempts "$tmp/cancel/sweep.db")" = "0:1 1:1 2:1 3:2" ] || fail "attempts $(attempts "$tmp/cancel/sweep.db")"

echo "== 3. shards as array tasks"
shards=$root/tests/slurm/sweep_shards.yaml
"$spiketlm" sweep "$shards" --out "$tmp/shards" --backend slurm --poll 1 >"$tmp/shards.out" 2>&1 ||
  fail "sharded slurm sweep: $(cat "$tmp/shards.out")"
grep -q "submitted 4 points (12 shard tasks) as Slurm job" "$tmp/shards.out" || fail "no shard tasks in: $(cat "$tmp/shards.out")"
for p in 0 1 2 3; do
  [ -f "$tmp/shards/points/000$p/shards/shard_002/shard.json" ] || fail "point $p: no shard_002/shard.json"
  cmp "$tmp/local/points/000$p/report.json" "$tmp/shards/points/000$p/report.json" || fail "sharded point $p differs"
done
# task 5 = point 1, shard 2
cancel_and_retry "$shards" "$tmp/shcancel" 5 "sweep point 1 failed: shard 2 ended without a result" \
  "submitted 1 points (1 shard tasks)" 1

echo "== 4. stop"
slurm_stop
slurm_dir=""
echo "PASS: Slurm sweep test in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
