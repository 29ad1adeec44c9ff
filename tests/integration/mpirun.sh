# Under a real mpirun: one rank runs the society as without mpirun, to the same digest;
# several ranks are refused once (from rank 0), the ranks exit with status 2, and no run
# directory is made (this version runs a society in one process).
source "$(dirname "$0")/lib/common.bash"
command -v mpirun >/dev/null || fail "mpirun is missing (openmpi-bin is in deploy/debian-packages.txt)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
scenario="$DATA/scenarios/mixed.yaml"
"$NUNCHI" run "$scenario" --rounds 5 --out "$WORK/plain" --quiet || fail "the plain run failed"
mpirun -np 1 "$NUNCHI" run "$scenario" --rounds 5 --out "$WORK/one" --quiet \
    || fail "the run under mpirun -np 1 failed"
[ "$(digest_of "$WORK/one")" = "$(digest_of "$WORK/plain")" ] || fail "mpirun -np 1 changed the digest"
set +e
mpirun --oversubscribe -np 3 "$NUNCHI" run "$scenario" --rounds 5 --out "$WORK/three" --quiet \
    >"$WORK/mpi.out" 2>"$WORK/mpi.err"
st=$?
set -e
# mpirun exits with the status of the first rank that failed
[ "$st" -eq 2 ] || fail "mpirun -np 3 exited with status $st, not 2: $(cat "$WORK/mpi.err")"
[ "$(grep -c "was started as 3 MPI ranks" "$WORK/mpi.err")" -eq 1 ] \
    || fail "the refusal is not said exactly once: $(cat "$WORK/mpi.err")"
[ ! -e "$WORK/three" ] || fail "a refused run made its run directory"
echo "ok: one rank runs to the plain digest, three ranks are refused once"
