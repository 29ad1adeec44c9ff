# A build without MPI (-DNUNCHI_MPI=OFF) still works for one process, with the digest of
# the main build, and says so, once, with status 2, when it is started as several ranks.
source "$(dirname "$0")/lib/common.bash"
command -v mpirun >/dev/null || fail "mpirun is missing (openmpi-bin is in deploy/debian-packages.txt)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# one machine: shared memory and loopback, no probing of other interfaces
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo

nompi="$WORK/nompi"
start=$(date +%s)
cmake -S "$SRC" -B "$nompi" -DCMAKE_BUILD_TYPE=Release -DNUNCHI_MPI=OFF >"$WORK/configure.log" 2>&1 \
    || fail "configuring without MPI failed: $(tail -20 "$WORK/configure.log")"
grep -q "MPI mode: off" "$WORK/configure.log" \
    || fail "the configure output does not say 'MPI mode: off': $(grep -i mpi "$WORK/configure.log")"
flags="$nompi/CMakeFiles/nunchi_coord.dir/flags.make"
[ -f "$flags" ] || fail "no $flags after configuring"
if grep -q "NUNCHI_HAVE_MPI" "$flags"; then
    fail "a build with NUNCHI_MPI=OFF still defines NUNCHI_HAVE_MPI"
fi
cmake --build "$nompi" --target nunchi nunchi-node -j2 >"$WORK/build.log" 2>&1 \
    || fail "building without MPI failed: $(grep -m5 -B2 -A5 'error' "$WORK/build.log")"
took=$(($(date +%s) - start))
[ -x "$nompi/nunchi" ] && [ -x "$nompi/nunchi-node" ] || fail "the build without MPI made no binaries"
if ldd "$nompi/nunchi" | grep -q libmpi; then
    fail "the build without MPI links libmpi: $(ldd "$nompi/nunchi" | grep libmpi)"
fi

# one process: the same answer as the main build
scenario="$DATA/scenarios/mixed.yaml"
"$nompi/nunchi" run "$scenario" --rounds 5 --out "$WORK/nompi-run" --quiet \
    || fail "the build without MPI failed to run $scenario"
"$NUNCHI" run "$scenario" --rounds 5 --out "$WORK/main-run" --quiet \
    || fail "the main build failed to run $scenario"
d=$(digest_of "$WORK/nompi-run")
[ ${#d} -eq 16 ] || fail "no digest in $WORK/nompi-run/summary.json"
[ "$d" = "$(digest_of "$WORK/main-run")" ] \
    || fail "without MPI the digest is $d, with MPI $(digest_of "$WORK/main-run")"
grep -q '"ranks": 1' "$WORK/nompi-run/summary.json" || fail "the summary without MPI does not say ranks 1"

# started as two ranks: said once (rank 0 speaks), every rank exits 2, no run directory
set +e
timeout 120 mpirun --oversubscribe -np 2 "$nompi/nunchi" run "$scenario" --rounds 5 \
    --out "$WORK/ranks-run" --quiet >"$WORK/ranks.out" 2>"$WORK/ranks.err"
st=$?
set -e
[ "$st" -eq 2 ] || fail "the build without MPI under mpirun -np 2 exited with $st, not 2: $(cat "$WORK/ranks.err")"
n=$(cat "$WORK/ranks.out" "$WORK/ranks.err" | grep -c "built without MPI" || true)
[ "$n" -eq 1 ] || fail "'built without MPI' is said $n times, not once: $(cat "$WORK/ranks.err")"
grep -q "started as 2 MPI ranks" "$WORK/ranks.err" || fail "the error does not say how many ranks: $(cat "$WORK/ranks.err")"
[ ! -e "$WORK/ranks-run" ] || fail "the refused run made its run directory"
echo "ok: without MPI (built in ${took}s) one process gives digest $d and two ranks are refused once"
