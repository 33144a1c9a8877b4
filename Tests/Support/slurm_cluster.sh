#!/bin/sh
# A single-node Slurm cluster on 127.0.0.1 for the tests: munged, slurmctld and slurmd with
# a generated slurm.conf, everything (keys, sockets, state, logs) under one folder.
#
#   Tests/Support/slurm_cluster.sh start DIR   starts it; prints SLURM_CONF=DIR/slurm.conf when ready
#   Tests/Support/slurm_cluster.sh stop DIR    stops it
#
# Needs Debian's slurm-wlm and munge (make test-deps installs them) and root (the daemons
# run as root here, which a test sandbox allows and a real cluster would not do).
set -eu
action=$1
dir=$2
case "$action" in
stop)
  # SIGTERM, then up to 5 s for them to go, then SIGKILL: the next cluster must not meet them.
  pids=
  for name in slurmd slurmctld munged; do
    [ -f "$dir/$name.pid" ] && pids="$pids $(cat "$dir/$name.pid")"
  done
  [ -n "$pids" ] || exit 0
  kill $pids 2>/dev/null || true
  i=0
  alive() { for pid in $pids; do kill -0 "$pid" 2>/dev/null && return 0; done; return 1; }
  while [ $i -lt 50 ] && alive; do i=$(( i + 1 )); sleep 0.1; done
  kill -9 $pids 2>/dev/null || true
  exit 0 ;;
start) ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
esac
for tool in python3 munged slurmctld slurmd sbatch sinfo; do
  command -v "$tool" >/dev/null 2>&1 || { echo "slurm_cluster: $tool is missing (Debian packages slurm-wlm and munge)" >&2; exit 69; }
done
mkdir -p "$dir/state" "$dir/spool"
host=$(hostname -s)
cpus=$(nproc)
# Ports above the well-known ones, picked from the folder name so parallel clusters differ.
base=$(( 20000 + $(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 20000 ))
# Starts a daemon detached from the caller: no descriptor but /dev/null on 0-2 (a test
# harness learns that this script ended when the last holder of a socket it passed
# closes it, and munged keeps every descriptor it inherits) and no blocked signals (a
# test thread's mask is inherited through exec, and `stop` sends SIGTERM).
detached() {
  python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_SETMASK, [])
os.closerange(3, 65536)
os.execvp(sys.argv[1], sys.argv[1:])' "$@" </dev/null >/dev/null 2>&1
}
dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 2>/dev/null
chmod 0400 "$dir/munge.key"
detached munged --force --socket="$dir/munge.socket" --key-file="$dir/munge.key" --pid-file="$dir/munged.pid" \
  --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"
cat > "$dir/slurm.conf" <<CONF
ClusterName=tierwatch-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$(( base + 1 ))
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
# Pending jobs (the merge, once the array is done) are looked at every second, not every minute.
SchedulerParameters=sched_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
detached slurmctld -f "$SLURM_CONF"
detached slurmd -f "$SLURM_CONF"
# Ready when the node is idle.
i=0
while [ $i -lt 60 ]; do
  if sinfo -h -o '%T' 2>/dev/null | grep -q idle; then echo "SLURM_CONF=$SLURM_CONF"; exit 0; fi
  i=$(( i + 1 )); sleep 0.5
done
echo "slurm_cluster: the node did not become idle in 30 s; see $dir/slurmctld.log and $dir/slurmd.log" >&2
tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
exit 1
