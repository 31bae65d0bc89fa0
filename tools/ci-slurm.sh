#!/usr/bin/env bash
# A real single-node Slurm cluster (Debian's slurmctld/slurmd, everything under one temporary
# folder; recipe: ../shared/docs/slurm-local.md) runs `hepkit submit slurm` jobs:
#   1. an array of 4 shards plus the dependent merge job; each part equals the same command run
#      here, and the merged output is all parts in shard order;
#   2. an array whose shard 2 fails: the merge job never runs, the missing shard is named, and
#      resubmitting that shard alone and then the merge completes the job;
#   3. the bundled example's `build` as a 4-job array + `hepkit merge`: byte for byte the single build;
#   4. a patchset grid (`cls --patchset`) as a 3-job array + `hepkit merge`: the same table as one job,
#      and toy-based CLs as a 3-job array of toy shares + `hepkit merge`: the one job's result;
#   5. `optimize --mpi` as one 2-task job (`srun --mpi=pmix -n 2`): the same trajectory and
#      workspace as a single process.
# Cases 1–2 run `hepkit cls` with a per-shard --test-poi and a stand-in merger that concatenates.
#
#   bash tools/ci-slurm.sh HEPKIT        # e.g. .build-static/hepkit (what a node would run)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
hepkit="$(realpath "$1")"
workspace="$(realpath fixtures/pyhf/validation_1bin_shapesys.json)"

export DEBIAN_FRONTEND=noninteractive
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends slurmctld slurmd slurm-client >/dev/null
fi
if ! command -v mpirun >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends openmpi-bin >/dev/null
fi

D="$(mktemp -d)"
mkdir -p "$D"/{state,spool,log}
host="$(hostname -s)"
# Two free ports next to each other (another cluster may be running on this machine).
port=16817
if command -v ss >/dev/null; then
    while ss -ltnH | awk '{print $4}' | grep -Eq ":($port|$((port + 1)))\$"; do port=$((port + 2)); done
fi
cat > "$D/slurm.conf" <<CONF
ClusterName=ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/none
CredType=cred/none
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
DependencyParameters=kill_invalid_depend
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$D/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >"$D/log/slurmctld.out" 2>&1 </dev/null & ctld=$!
slurmd -D -f "$SLURM_CONF" >"$D/log/slurmd.out" 2>&1 </dev/null & slurmd_pid=$!

stop() {
    # Jobs first (killing only the daemons leaves job steps running), then the daemons by PID.
    scancel --user="$(id -un)" 2>/dev/null || true
    timeout 30 bash -c 'while [ -n "$(squeue -h 2>/dev/null)" ]; do sleep 0.5; done' || true
    kill "$slurmd_pid" "$ctld" 2>/dev/null || true
    wait "$slurmd_pid" "$ctld" 2>/dev/null || true
    rm -rf "$D"
}
trap stop EXIT

fail() {
    echo "ci-slurm: FAILED: $*" >&2
    tail -n 20 "$D"/log/*.log "$D"/jobs*/*.err 2>/dev/null >&2 || true
    exit 1
}

timeout 60 bash -c 'until sinfo -h -o %T 2>/dev/null | grep -q idle; do sleep 0.5; done' || fail "the node did not become idle"
echo "ci-slurm: cluster up (ports $port/$((port + 1)))"

# Waits until no job is queued or running.
drain() { timeout "${1:-300}" bash -c 'while [ -n "$(squeue -h)" ]; do sleep 0.5; done' || fail "jobs still queued after ${1:-300} s"; }
state() { scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2; }

# The stand-in merger: concatenates the parts in the order given.
cat > "$D/concat.sh" <<'SH'
#!/bin/bash
set -eu
out=; parts=()
while [ $# -gt 0 ]; do
    case "$1" in -o) out="$2"; shift 2 ;; *) parts+=("$1"); shift ;; esac
done
cat "${parts[@]}" > "$out.tmp"
mv "$out.tmp" "$out"
SH
chmod +x "$D/concat.sh"

# 1. Array of 4 + merge.
mkdir -p "$D/work"
cd "$D/work"
# One CPU per job: the jobs run with HEPKIT_THREADS=1 and report their peak thread count.
HEPKIT_REPORT_THREADS=1 "$hepkit" submit slurm --shards 4 --cpus 1 --output-dir "$D/jobs" --merger "$D/concat.sh" --merge-output merged.json \
    --run -- cls "$workspace" --test-poi '1.{I}' --output-file '{part}' > submitted.txt 2>submit.err \
    || { cat submit.err >&2; fail "submit --run"; }
read -r array merge < <(sed -n 's/^array job \([0-9]*\) .*, merge job \([0-9]*\)$/\1 \2/p' submitted.txt)
[ -n "$array" ] && [ -n "$merge" ] || fail "no job ids in: $(cat submitted.txt)"
drain
[ "$(state "$merge")" = COMPLETED ] || fail "merge job $merge ended $(state "$merge")"
: > expected.json
for i in 0 1 2 3; do
    [ "$(state "${array}_$i")" = COMPLETED ] || fail "shard $i ended $(state "${array}_$i")"
    "$hepkit" cls "$workspace" --test-poi "1.$i" --output-file "local.$i.json"
    cmp "$D/jobs/part.$i.json" "local.$i.json" || fail "shard $i's part differs from the same command run here"
    cat "local.$i.json" >> expected.json
    [ -f "$D/jobs/shard.$i.out" ] && [ -f "$D/jobs/shard.$i.err" ] || fail "no logs of shard $i"
    [ "$(tail -n 1 "$D/jobs/shard.$i.err")" = "threads used: 1" ] || fail "shard $i did not stay on one thread: $(tail -n 1 "$D/jobs/shard.$i.err")"
done
cmp merged.json expected.json || fail "merged output is not the parts in shard order"
echo "ci-slurm: array job $array (4 shards, 1 CPU and 1 thread each) + merge job $merge: every part equals a local run, merge complete"

# 2. Shard 2 fails (its input is missing): the merge never runs; rerunning shard 2 completes the job.
for i in 0 1 3; do cp "$workspace" "ws.$i.json"; done
"$hepkit" submit slurm --shards 4 --output-dir "$D/jobs-fail" --merger "$D/concat.sh" --merge-output merged-fail.json \
    --run -- cls 'ws.{I}.json' --output-file '{part}' > submitted.txt || fail "submit --run (failing case)"
read -r array merge < <(sed -n 's/^array job \([0-9]*\) .*, merge job \([0-9]*\)$/\1 \2/p' submitted.txt)
drain
[ "$(state "${array}_2")" = FAILED ] || fail "shard 2 ended $(state "${array}_2"), expected FAILED"
[ "$(state "$merge")" != COMPLETED ] || fail "the merge job ran although shard 2 failed"
[ ! -e merged-fail.json ] || fail "a merged output exists although shard 2 failed"
missing=()
for i in 0 1 2 3; do [ -s "$D/jobs-fail/part.$i.json" ] || missing+=("$i"); done
[ "${missing[*]}" = 2 ] || fail "missing parts: '${missing[*]}', expected '2'"
grep -q "ws.2.json" "$D/jobs-fail/shard.2.err" || fail "shard 2's log does not name its missing input"
echo "ci-slurm: shard 2 failed as planned; merge job $merge $(state "$merge"); missing shard(s): ${missing[*]} ($(head -c 120 "$D/jobs-fail/shard.2.err"))"

cp "$workspace" ws.2.json
rerun=$(cd "$D/jobs-fail" && sbatch --parsable --array=2 shards.sbatch)
rerun="${rerun%%;*}"
merge=$(cd "$D/jobs-fail" && sbatch --parsable --dependency="afterok:$rerun" merge.sbatch)
drain
[ "$(state "$merge")" = COMPLETED ] || fail "the merge after rerunning shard 2 ended $(state "$merge")"
: > expected-fail.json
for i in 0 1 2 3; do cat "$D/jobs-fail/part.$i.json" >> expected-fail.json; done
cmp merged-fail.json expected-fail.json || fail "merged output after the rerun"
echo "ci-slurm: rerunning shard 2 (job $rerun) and the merge (job $merge) completed the job"

# 3. The bundled example's build: 4 shards + hepkit merge = the single-process build.
example="$(realpath "$repo/fixtures/example/analysis.yml")"
"$hepkit" submit slurm --shards 4 --output-dir "$D/jobs-build" --merge-output "$D/work/merged-workspace.json" \
    --run -- build "$example" > submitted.txt || fail "submit --run (build)"
read -r array merge < <(sed -n 's/^array job \([0-9]*\) .*, merge job \([0-9]*\)$/\1 \2/p' submitted.txt)
drain
[ "$(state "$merge")" = COMPLETED ] || fail "the build merge job ended $(state "$merge")"
"$hepkit" build "$example" -o single-workspace.json
cmp merged-workspace.json single-workspace.json || fail "the merged sharded build differs from the single build"
echo "ci-slurm: build of the example as 4 shards (job $array) + hepkit merge (job $merge) = the single build, byte for byte"

# 4. A patchset grid: every signal point's CLs, 3 shards + hepkit merge = one job over all patches.
grid="$(realpath "$repo/fixtures/batch")"
"$hepkit" submit slurm --shards 3 --output-dir "$D/jobs-grid" --merge-output "$D/work/grid.json" \
    --run -- cls "$grid/BkgOnly.json" --patchset "$grid/patchset.json" --shard '{I}/{N}' --output-file '{part}' > submitted.txt || fail "submit --run (grid)"
read -r array merge < <(sed -n 's/^array job \([0-9]*\) .*, merge job \([0-9]*\)$/\1 \2/p' submitted.txt)
drain
[ "$(state "$merge")" = COMPLETED ] || fail "the grid merge job ended $(state "$merge")"
"$hepkit" cls "$grid/BkgOnly.json" --patchset "$grid/patchset.json" --shard 0/1 --output-file grid-part.json
"$hepkit" merge grid-part.json -o grid-single.json
cmp grid.json grid-single.json || fail "the merged grid differs from one job over every patch"
echo "ci-slurm: patchset grid as 3 shards (job $array) + hepkit merge (job $merge) = one job over every patch"

# 4b. Toys: 3 jobs compute a third of the toys each; the merged CLs is the one job's, byte for byte.
"$hepkit" submit slurm --shards 3 --output-dir "$D/jobs-toys" --merge-output "$D/work/toys.json" \
    --run -- cls "$workspace" --calctype toybased --ntoys 90 --seed 3 --shard '{I}/{N}' --output-file '{part}' > submitted.txt \
    || fail "submit --run (toys)"
read -r array merge < <(sed -n 's/^array job \([0-9]*\) .*, merge job \([0-9]*\)$/\1 \2/p' submitted.txt)
drain
[ "$(state "$merge")" = COMPLETED ] || fail "the toys merge job ended $(state "$merge")"
"$hepkit" cls "$workspace" --calctype toybased --ntoys 90 --seed 3 --output-file toys-single.json
cmp toys.json toys-single.json || fail "the merged toy shards differ from one job with the same seed"
echo "ci-slurm: toy-based CLs as 3 toy shards (job $array) + hepkit merge (job $merge) = one job with the same seed"

# 5. optimize --mpi as one job of 2 tasks (srun --mpi=pmix): the same files as a single process.
mpi_config="$(realpath "$repo/fixtures/mpi/analysis.yml")"
cat > mpi.sbatch <<SH
#!/bin/bash
#SBATCH --ntasks=2
#SBATCH --output=$D/work/mpi.out
#SBATCH --error=$D/work/mpi.err
srun --mpi=pmix -n 2 "$hepkit" optimize --mpi "$mpi_config" -o "$D/work/mpi-out"
SH
job=$(sbatch --parsable mpi.sbatch)
drain
[ "$(state "$job")" = COMPLETED ] || { cat mpi.err >&2; fail "the 2-rank MPI job ended $(state "$job")"; }
grep -q "events shared over 2 MPI ranks" mpi.out || fail "the MPI job did not run on 2 ranks: $(cat mpi.out)"
"$hepkit" optimize "$mpi_config" -o single-out > /dev/null 2>&1
for f in trajectory.json workspace.json optimum.json; do
    cmp "mpi-out/$f" "single-out/$f" || fail "$f of the 2-rank MPI job differs from the single process"
done
echo "ci-slurm: optimize --mpi on 2 ranks (srun --mpi=pmix, job $job): trajectory, optimum and workspace identical to one process"

# 6. The same outside Slurm: mpirun -n 2 (the static binary reaches MPI through its bridge), and
#    --mpi without a launcher is a clear error.
mpirun --allow-run-as-root -n 2 "$hepkit" optimize --mpi "$mpi_config" -o mpirun-out > mpirun.out 2> mpirun.err \
    || { cat mpirun.err >&2; fail "optimize --mpi under mpirun -n 2"; }
for f in trajectory.json workspace.json optimum.json; do
    cmp "mpirun-out/$f" "single-out/$f" || fail "$f under mpirun -n 2 differs from the single process"
done
if "$hepkit" optimize --mpi "$mpi_config" -o no-launcher 2> no-launcher.err; then fail "--mpi without a launcher succeeded"; fi
grep -q "not started by an MPI launcher" no-launcher.err || fail "--mpi without a launcher: $(cat no-launcher.err)"
echo "ci-slurm: optimize --mpi under mpirun -n 2 = one process; without a launcher: $(head -c 100 no-launcher.err)"
