#!/usr/bin/env bash
# A throw-away single-node Slurm cluster under a temporary directory (FACTS.md s10), for the
# Slurm tests. Source it, then:
#   slurm_start DIR   starts munged (own socket), slurmctld and slurmd on free ports; exports
#                     SLURM_CONF; returns 1 with a message in $slurm_why if a daemon cannot start
#   slurm_stop        stops the daemons by their pid files
# Needs root (SlurmUser=root) and Debian's slurm-wlm and munge.

slurm_free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

slurm_start() {
  local d=$1 host cpus mem i
  slurm_dir=$d
  mkdir -p "$d/munge" "$d/state" "$d/spool" "$d/log"
  chown munge:munge "$d/munge" && chmod 755 "$d/munge"
  # munged wants its socket directory owned by munge, not writable by others, searchable by
  # all; the key is the package's /etc/munge/munge.key.
  if ! runuser -u munge -- munged --socket="$d/munge/munge.socket" --pid-file="$d/munge/munged.pid" \
      --log-file="$d/munge/munged.log" --seed-file="$d/munge/munged.seed" 2>"$d/log/munged.err"; then
    slurm_why="munged did not start: $(head -c 300 "$d/log/munged.err")"; return 1
  fi
  if ! munge -n --socket="$d/munge/munge.socket" | unmunge --socket="$d/munge/munge.socket" >/dev/null 2>&1; then
    slurm_why="munge -n | unmunge failed with the new munged"; return 1
  fi
  host=$(hostname -s); cpus=$(nproc)
  mem=$(( $(free -m | awk '/^Mem:/ {print $2}') * 9 / 10 ))
  cat > "$d/slurm.conf" <<CONF
ClusterName=spiketlm-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$(slurm_free_port)
SlurmdPort=$(slurm_free_port)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/munge.socket
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/builtin
KillWait=2
MinJobAge=10
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$d/slurm.conf
  slurmctld 2>"$d/log/slurmctld.err" || { slurm_why="slurmctld did not start: $(head -c 300 "$d/log/slurmctld.err")"; return 1; }
  slurmd 2>"$d/log/slurmd.err" || { slurm_why="slurmd did not start: $(head -c 300 "$d/log/slurmd.err")"; return 1; }
  for i in $(seq 1 100); do
    if sinfo -h -o %t 2>/dev/null | grep -qx idle; then return 0; fi
    sleep 0.2
  done
  slurm_why="the node did not become idle in 20 s: $(sinfo -h -o '%t %E' 2>&1 | head -c 200); $(tail -n 3 "$d/log/slurmctld.log" 2>/dev/null)"
  return 1
}

slurm_stop() {
  local d=${slurm_dir:-} f p i
  [ -n "$d" ] || return 0
  for f in "$d/slurmd.pid" "$d/slurmctld.pid" "$d/munge/munged.pid"; do
    [ -s "$f" ] || continue
    p=$(cat "$f")
    kill "$p" 2>/dev/null || continue
    for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
}
