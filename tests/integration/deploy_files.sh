# The deployment files in deploy/ do what docs/cluster.md says: the scripts parse; the
# sbatch script has its #SBATCH lines and, run outside Slurm with Slurm's variables
# set, runs nunchi under mpirun (and under a stand-in srun), and resumes a killed run; compose.yaml is YAML whose
# coordinator and node commands, run here, make the run of the scenario they name; the
# Dockerfile builds on debian:12 from the package list; the hostfile example has the
# form run-cluster.sh reads; run-cluster.sh refuses bad input and, when the MPI mode
# is built, runs a scenario on two ranks of this machine to the one-process digest.
source "$(dirname "$0")/lib/common.bash"
run_cluster="$SRC/deploy/mpi/run-cluster.sh"
hostfile_example="$SRC/deploy/mpi/hostfile.example"
sbatch="$SRC/deploy/slurm/nunchi.sbatch"
dockerfile="$SRC/deploy/container/Dockerfile"
compose="$SRC/deploy/container/compose.yaml"
packages="$SRC/deploy/debian-packages.txt"
scenario="$DATA/scenarios/mixed.yaml"
for f in "$run_cluster" "$hostfile_example" "$sbatch" "$dockerfile" "$compose" "$packages" \
    "$SRC/deploy/mpi/README.md" "$SRC/docs/cluster.md"; do
    [ -f "$f" ] || fail "${f#"$SRC"/} is missing"
done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

expect_status() {
    local want=$1
    shift
    set +e
    "$@" >"$WORK/out" 2>"$WORK/err"
    local got=$?
    set -e
    [ $got -eq "$want" ] || fail "'$*' exited $got, expected $want: $(cat "$WORK/err")"
}

# --- shell syntax -------------------------------------------------------------------
for f in "$run_cluster" "$sbatch"; do
    bash -n "$f" || fail "bash -n ${f#"$SRC"/} fails"
    [ "$(sed -n 1p "$f")" = '#!/bin/bash' ] || fail "${f#"$SRC"/} does not start with #!/bin/bash"
done
[ -x "$run_cluster" ] || fail "deploy/mpi/run-cluster.sh is not executable"

# --- the hostfile example: 'HOST slots=N' lines, which run-cluster.sh counts -----------
hosts=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$hostfile_example")
[ -n "$hosts" ] || fail "hostfile.example names no host"
bad=$(echo "$hosts" | grep -Ev '^[A-Za-z0-9._-]+ slots=[1-9][0-9]*$' || true)
[ -z "$bad" ] || fail "hostfile.example has lines not of the form 'host slots=N': $bad"
slots=$(echo "$hosts" | awk '{ sub(/.*slots=/, ""); n += $0 } END { print n }')
NUNCHI="$NUNCHI" expect_status 0 "$run_cluster" -f "$hostfile_example" --no-check --dry-run "$scenario"
grep -q -- "--hostfile $hostfile_example -np $slots " "$WORK/out" \
    || fail "run-cluster.sh does not start one rank per slot of hostfile.example ($slots): $(cat "$WORK/out")"

# --- run-cluster.sh: the mpirun line it makes, and what it refuses --------------------
echo "localhost slots=2" >"$WORK/hosts"
NUNCHI="$NUNCHI" expect_status 0 "$run_cluster" -f "$WORK/hosts" --dry-run "$scenario" --rounds 5
grep -qE "^mpirun --hostfile $WORK/hosts -np 2 --bind-to none $NUNCHI run $scenario --rounds 5 ?$" \
    "$WORK/out" || fail "run-cluster.sh --dry-run: $(cat "$WORK/out")"
(cd "$DATA" && NUNCHI="$NUNCHI" expect_status 0 "$run_cluster" -f "$WORK/hosts" --dry-run \
    scenarios/mixed.yaml && grep -q " run $scenario" "$WORK/out") \
    || fail "a relative scenario path is not made absolute: $(cat "$WORK/out")"
NUNCHI="$NUNCHI" expect_status 0 "$run_cluster" -f "$WORK/hosts" -i eth0 --dry-run "$scenario"
grep -q -- "--mca btl_tcp_if_include eth0" "$WORK/out" || fail "-i eth0 does not pin btl tcp"
printf '# two hosts\nlocalhost slots=2\nnode2 slots=two\n' >"$WORK/badhosts"
NUNCHI="$NUNCHI" expect_status 2 "$run_cluster" -f "$WORK/badhosts" "$scenario"
grep -q "badhosts:3: expected 'HOST slots=N'" "$WORK/err" || fail "bad hostfile line: $(cat "$WORK/err")"
NUNCHI="$NUNCHI" expect_status 2 "$run_cluster" -f "$WORK/hosts" -n 3 "$scenario"
grep -q "3 ranks but .* has 2 slots" "$WORK/err" || fail "more ranks than slots: $(cat "$WORK/err")"
NUNCHI="$NUNCHI" expect_status 0 "$run_cluster" -f "$WORK/hosts" -n 3 --oversubscribe --dry-run "$scenario"
grep -q -- "-np 3 --bind-to none --oversubscribe" "$WORK/out" || fail "--oversubscribe: $(cat "$WORK/out")"
NUNCHI="$NUNCHI" expect_status 2 "$run_cluster" "$scenario"
grep -q -- "'-f HOSTFILE' is required" "$WORK/err" || fail "no hostfile: $(cat "$WORK/err")"
NUNCHI="$NUNCHI" expect_status 2 "$run_cluster" -f "$WORK/hosts" "$WORK/missing.yaml"
grep -q "cannot read the scenario '$WORK/missing.yaml'" "$WORK/err" || fail "missing scenario: $(cat "$WORK/err")"
NUNCHI="$WORK/no-nunchi" expect_status 2 "$run_cluster" -f "$WORK/hosts" "$scenario"
grep -q "no-nunchi' is not an executable nunchi" "$WORK/err" || fail "missing nunchi: $(cat "$WORK/err")"

# --- the sbatch script: its #SBATCH lines, read by sbatch only before the first command -
for opt in job-name nodes ntasks-per-node cpus-per-task time output; do
    grep -qE "^#SBATCH --$opt=[^ ]+$" "$sbatch" || fail "nunchi.sbatch has no '#SBATCH --$opt='"
done
first_cmd=$(awk '!/^[[:space:]]*(#|$)/ { print NR; exit }' "$sbatch")
last_directive=$(awk '/^#SBATCH/ { n = NR } END { print n }' "$sbatch")
[ "$last_directive" -lt "$first_cmd" ] || fail "an #SBATCH line comes after the first command"
grep -q '"$NUNCHI" run "$SCENARIO"' "$sbatch" || fail "nunchi.sbatch does not invoke nunchi run"
# outside Slurm, with the variables an allocation of one task of 2 cpus sets
slurm_env=(env -u SLURM_JOB_ID -u SLURM_JOBID -u SLURM_NODELIST -u SLURM_JOB_NODELIST SLURM_NTASKS=1 SLURM_CPUS_PER_TASK=2 SLURM_SUBMIT_DIR="$WORK" NUNCHI="$NUNCHI"
    SCENARIO="$scenario" ARGS="--rounds 5 --quiet")
expect_status 0 "${slurm_env[@]}" OUT="$WORK/sb-mpirun" bash "$sbatch"
[ "$(json_field "$WORK/sb-mpirun/summary.json" nodes)" = 2 ] \
    || fail "nunchi.sbatch did not run --cpus-per-task node threads: nodes $(json_field "$WORK/sb-mpirun/summary.json" nodes)"
[ "$(json_field "$WORK/sb-mpirun/summary.json" rounds)" = 5 ] || fail "nunchi.sbatch did not pass ARGS"
# the default run directory is under the submit directory
expect_status 0 "${slurm_env[@]}" NODES= bash "$sbatch"
[ "$(json_field "$WORK/runs/nunchi-local/summary.json" nodes)" = 4 ] \
    || fail "NODES= did not keep the scenario's 4 nodes, or the run directory is not runs/nunchi-local"
# srun: a stand-in that records its options and runs the command after them
mkdir -p "$WORK/bin"
cat >"$WORK/bin/srun" <<'SRUN'
#!/bin/bash
echo "$*" >"$SRUN_LOG"
while [ $# -gt 0 ] && [ "${1#--}" != "$1" ]; do shift; done
exec "$@"
SRUN
chmod +x "$WORK/bin/srun"
expect_status 0 "${slurm_env[@]}" PATH="$WORK/bin:$PATH" SRUN_LOG="$WORK/srun.log" LAUNCHER=srun \
    OUT="$WORK/sb-srun" bash "$sbatch"
grep -q -- "--mpi=pmix --ntasks=1 --cpus-per-task=2 $NUNCHI run $scenario" "$WORK/srun.log" \
    || fail "srun line: $(cat "$WORK/srun.log")"
[ "$(digest_of "$WORK/sb-srun")" = "$(digest_of "$WORK/sb-mpirun")" ] || fail "srun and mpirun digests differ"
# a job killed mid-run (the coordinator, by a planned kill) and submitted again with the
# same OUT resumes from its last checkpoint, to the digest of a run never killed; a run
# that completed is left alone
{ cat "$scenario"; echo "recovery: {checkpoint_every: 5}"; } >"$WORK/ck.yaml"
{ cat "$WORK/ck.yaml"; echo "faults: [{fault: kill, node: coordinator, round: 12}]"; } >"$WORK/ckk.yaml"
"$NUNCHI" run "$WORK/ck.yaml" --out "$WORK/ck-ref" --quiet
set +e
"${slurm_env[@]}" SCENARIO="$WORK/ckk.yaml" ARGS="--quiet" OUT="$WORK/sb-ck" bash "$sbatch" \
    >"$WORK/out" 2>"$WORK/err"
st=$?
set -e
[ $st != 0 ] || fail "nunchi.sbatch: the killed run's job ended well"
[ ! -e "$WORK/sb-ck/summary.json" ] || fail "nunchi.sbatch: the killed run wrote a summary"
expect_status 0 "${slurm_env[@]}" SCENARIO="$WORK/ckk.yaml" ARGS="--quiet" OUT="$WORK/sb-ck" bash "$sbatch"
grep -q "run directory $WORK/sb-ck, resumed from its last checkpoint" "$WORK/out" ||
    fail "nunchi.sbatch did not say it resumed: $(cat "$WORK/out")"
[ "$(digest_of "$WORK/sb-ck")" = "$(digest_of "$WORK/ck-ref")" ] ||
    fail "nunchi.sbatch's resumed run: digest $(digest_of "$WORK/sb-ck"), not $(digest_of "$WORK/ck-ref")"
[ "$(json_field "$WORK/sb-ck/summary.json" nodes)" = 2 ] || fail "the resumed job's nodes are not NODES"
expect_status 0 "${slurm_env[@]}" SCENARIO="$WORK/ckk.yaml" OUT="$WORK/sb-ck" bash "$sbatch"
grep -q "the run in $WORK/sb-ck completed already: nothing to do" "$WORK/out" ||
    fail "nunchi.sbatch ran a completed run again: $(cat "$WORK/out")"
expect_status 2 "${slurm_env[@]}" LAUNCHER=pdsh bash "$sbatch"
grep -q "LAUNCHER is mpirun or srun, got 'pdsh'" "$WORK/err" || fail "bad LAUNCHER: $(cat "$WORK/err")"
expect_status 2 env -u SCENARIO bash "$sbatch"
grep -q "set SCENARIO" "$WORK/err" || fail "no SCENARIO: $(cat "$WORK/err")"

# --- the Dockerfile: debian:12, the package list, make build and make install ---------
froms=$(grep -E '^FROM ' "$dockerfile")
[ "$froms" = "FROM debian:12" ] || fail "the Dockerfile is not built on debian:12 alone: $froms"
copied=$(sed -n 's|^COPY deploy/debian-packages.txt \(/[^ ]*\)$|\1|p' "$dockerfile")
[ -n "$copied" ] || fail "the Dockerfile does not copy deploy/debian-packages.txt"
grep -qF "$copied | xargs apt-get install -y --no-install-recommends" "$dockerfile" \
    || fail "the Dockerfile does not install the packages of $copied"
for step in 'make build' 'make install'; do
    grep -q "$step" "$dockerfile" || fail "the Dockerfile does not run $step"
done
# the list gives package names only once comments are gone, MPI among them
names=$(sed -e 's/#.*//' "$packages" | xargs -n 1)
bad=$(echo "$names" | grep -Ev '^[a-z0-9][a-z0-9+.-]+$' || true)
[ -z "$bad" ] || fail "debian-packages.txt has entries that are not package names: $bad"
for p in openmpi-bin libopenmpi-dev; do
    grep -qx "$p" <<<"$names" || fail "debian-packages.txt lacks $p (the MPI mode needs it)"
done

# --- compose.yaml: YAML, and its commands run here make the run they promise ----------
if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    echo "skip: compose.yaml not parsed (python3-yaml is not installed: apt-get install python3-yaml)"
else
    # prints the coordinator's and the node's argv, one argument a line, after a line
    # '--', with the defaults of ${VAR:-default} filled in; checks the wiring
    /usr/bin/python3 - "$compose" "$SRC" >"$WORK/argv" 2>"$WORK/pyerr" <<'PY' || fail "compose.yaml: $(cat "$WORK/pyerr")"
import os, re, sys, yaml


def main():
    path, src = sys.argv[1], sys.argv[2]
    doc = yaml.safe_load(open(path))
    here = os.path.dirname(path)
    def fill(v):
        return re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: m.group(2), str(v))
    svc = doc["services"]
    coord, node = svc["coordinator"], svc["node"]
    for name, s in svc.items():
        b = s["build"]
        ctx = os.path.normpath(os.path.join(here, b["context"]))
        assert ctx == src, f"{name}: build context {ctx} is not the repository"
        assert os.path.isfile(os.path.join(ctx, b["dockerfile"])), f"{name}: no {b['dockerfile']}"
        assert s["image"] == coord["image"], f"{name}: another image"
    c = [fill(a) for a in coord["command"]]
    n = [fill(a) for a in node["command"]]
    assert c[:2] == ["nunchi", "serve"], f"coordinator runs {c[:2]}"
    bind = c[c.index("--bind") + 1]
    port = re.fullmatch(r"tcp://\*:(\d+)", bind).group(1)
    assert n[:1] == ["nunchi-node"], f"node runs {n[:1]}"
    connect = n[n.index("--connect") + 1]
    assert connect == f"tcp://coordinator:{port}", f"node connects to {connect}, not tcp://coordinator:{port}"
    expect = int(c[c.index("--expect-nodes") + 1])
    replicas = int(fill(node["deploy"]["replicas"]))
    assert expect == replicas, f"--expect-nodes {expect} but {replicas} node replicas"
    mounts = dict(m.split(":")[1::-1] for m in coord["volumes"])  # target -> source
    runs = c[c.index("--set") + 1].split("=", 1)[1]
    assert mounts.get(runs) in doc["volumes"], f"the run directory {runs} is not on a named volume"
    scen = c[2]
    sdir, sfile = os.path.split(scen)
    host_scen = os.path.join(os.path.normpath(os.path.join(here, mounts[sdir])), sfile)
    assert os.path.isfile(host_scen), f"the scenario {scen} is not at {host_scen}"
    c[2] = host_scen
    print("\n".join(c)); print("--"); print("\n".join(n)); print("--"); print(replicas); print(runs)


try:
    main()
except (AssertionError, KeyError, ValueError, AttributeError, TypeError, yaml.YAMLError) as e:
    sys.exit(f"{type(e).__name__}: {e}")
PY
    mapfile -t lines <"$WORK/argv"
    coord_argv=() node_argv=() i=0
    while [ "${lines[$i]}" != "--" ]; do coord_argv+=("${lines[$i]}"); i=$((i + 1)); done
    i=$((i + 1))
    while [ "${lines[$i]}" != "--" ]; do node_argv+=("${lines[$i]}"); i=$((i + 1)); done
    replicas=${lines[$((i + 1))]} runs=${lines[$((i + 2))]}
    # here: the binaries of this build, loopback for the compose network, $WORK for /runs
    coord_argv[0]=$NUNCHI node_argv[0]=$NODE
    reference=${coord_argv[2]}
    for _ in 1 2 3; do
        port=$((20000 + RANDOM % 20000))
        args=()
        for a in "${coord_argv[@]}"; do
            case "$a" in
                tcp://\**) a="tcp://127.0.0.1:$port" ;;
                "output.dir=$runs") a="output.dir=$WORK/compose-runs" ;;
            esac
            args+=("$a")
        done
        "${args[@]}" --rounds 20 --quiet 2>"$WORK/coord.err" &
        coord=$!
        sleep 0.3
        kill -0 $coord 2>/dev/null && break
        wait $coord || true
        grep -q "cannot bind" "$WORK/coord.err" || fail "the compose coordinator did not start: $(cat "$WORK/coord.err")"
    done
    for _ in $(seq "$replicas"); do
        args=()
        for a in "${node_argv[@]}"; do
            case "$a" in tcp://coordinator:*) a="tcp://127.0.0.1:$port" ;; esac
            args+=("$a")
        done
        "${args[@]}" &
    done
    wait "$coord" || fail "the compose coordinator failed: $(cat "$WORK/coord.err")"
    wait
    run_dir=$(ls -d "$WORK"/compose-runs/*/)
    "$NUNCHI" run "$reference" --rounds 20 --out "$WORK/compose-ref" --quiet
    [ "$(digest_of "$run_dir")" = "$(digest_of "$WORK/compose-ref")" ] \
        || fail "the compose run's digest $(digest_of "$run_dir") != $(digest_of "$WORK/compose-ref")"
    [ "$(grep -c '"event":"node_joined"' "$run_dir/events.jsonl")" -eq "$replicas" ] \
        || fail "not $replicas nodes joined the compose run"
fi

# --- run-cluster.sh on two ranks of this machine, when the MPI mode is built ----------
set +e
mpirun -np 2 "$NUNCHI" run "$scenario" --rounds 5 --out "$WORK/probe" --quiet >"$WORK/probe.out" 2>"$WORK/probe.err"
probe=$?
set -e
if [ $probe -ne 0 ]; then
    echo "skip: MPI mode not built: 'mpirun -np 2 nunchi run' exited $probe" \
        "($(grep -m 1 nunchi "$WORK/probe.err" || head -n 1 "$WORK/probe.err")); run-cluster.sh not run on 2 ranks"
else
    "$NUNCHI" run "$scenario" --rounds 5 --out "$WORK/one" --quiet
    NUNCHI="$NUNCHI" "$run_cluster" -f "$WORK/hosts" "$scenario" --rounds 5 --out "$WORK/cluster" --quiet \
        >"$WORK/cluster.out" 2>"$WORK/cluster.err" || fail "run-cluster.sh failed: $(cat "$WORK/cluster.err")"
    [ "$(json_field "$WORK/cluster/summary.json" ranks)" = 2 ] \
        || fail "run-cluster.sh's run does not report \"ranks\": 2"
    [ "$(digest_of "$WORK/cluster")" = "$(digest_of "$WORK/one")" ] \
        || fail "2 ranks gave digest $(digest_of "$WORK/cluster"), one process $(digest_of "$WORK/one")"
    cmp -s "$WORK/cluster/metrics.csv" "$WORK/one/metrics.csv" || fail "2 ranks changed metrics.csv"
    echo "ok: run-cluster.sh ran 2 ranks to the one-process digest ($(digest_of "$WORK/one"))"
fi
echo "ok: deploy files"
