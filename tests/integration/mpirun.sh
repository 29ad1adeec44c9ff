# Under a real mpirun (--oversubscribe, 1 to 4 ranks): the society split across ranks
# gives exactly the one-process answer (digest, metrics.csv, trends.csv, final_state.csv,
# events.jsonl) for every partition method with the whole institutional chain on; node
# processes per rank; a rank without cut edges; an empty rank (more ranks than agents);
# the world-wide and the piecewise exchange; and a scenario error said once, every rank
# exiting with status 2.
source "$(dirname "$0")/lib/common.bash"
command -v mpirun >/dev/null || fail "mpirun is missing (openmpi-bin is in deploy/debian-packages.txt)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# one machine: shared memory and loopback, no probing of other interfaces
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo

ranks() { # ranks NP DIR ARGS...: one mpirun; fails the test on a non-zero status
    local np=$1 dir=$2
    shift 2
    timeout 120 mpirun --oversubscribe -np "$np" "$NUNCHI" run "$@" --out "$dir" --quiet \
        >"$dir.out" 2>"$dir.err" || fail "mpirun -np $np $* failed: $(cat "$dir.err")"
}

# same_run A B: every output that does not depend on placement or time is the same
same_run() {
    local a=$1 b=$2 f
    [ "$(digest_of "$a")" = "$(digest_of "$b")" ] \
        || fail "$b: digest $(digest_of "$b"), one process $(digest_of "$a")"
    for f in metrics.csv final_state.csv trends.csv structure.csv; do
        [ -e "$a/$f" ] || continue
        cmp -s "$a/$f" "$b/$f" || fail "$b/$f differs from one process's: $(diff "$a/$f" "$b/$f" | head -5)"
    done
    # events: the same but for the nodes' joining and the partition, which are placement
    diff <(grep -v '"node_joined"\|"partition"' "$a/events.jsonl") \
        <(grep -v '"node_joined"\|"partition"' "$b/events.jsonl") >/dev/null \
        || fail "$b/events.jsonl differs from one process's"
}

society="$DATA/scenarios/society.yaml"
"$NUNCHI" run "$society" --out "$WORK/one" --quiet || fail "the one-process run failed"
grep -q '"ranks": 1' "$WORK/one/summary.json" || fail "a one-process summary does not say ranks 1"

# -np 1 is one process as without mpirun
ranks 1 "$WORK/np1" "$society"
same_run "$WORK/one" "$WORK/np1"
# --mpi without mpirun: a world of one rank (MPI's singleton), one process
"$NUNCHI" run "$society" --mpi --out "$WORK/single" --quiet || fail "run --mpi without mpirun failed"
same_run "$WORK/one" "$WORK/single"
# --mpi under mpirun is what mpirun alone does
ranks 2 "$WORK/np2-mpi" "$society" --mpi
same_run "$WORK/one" "$WORK/np2-mpi"

# the matrix: 2, 3 and 4 ranks, every method
for np in 2 3 4; do
    for m in metis block hash; do
        d="$WORK/np$np-$m"
        ranks "$np" "$d" "$society" --set partition=$m
        same_run "$WORK/one" "$d"
        grep -q "\"ranks\": $np" "$d/summary.json" || fail "$d: summary.json does not say $np ranks"
        grep -q "\"method\": \"$m\"" "$d/summary.json" || fail "$d: the partition is not $m"
        # what crossed ranks was counted, and only rank 0 said anything
        ex=$(sed -n 's/.*"exchanged_messages": \([0-9]*\).*/\1/p' "$d/summary.json")
        [ -n "$ex" ] && [ "$ex" -gt 0 ] || fail "$d: no message crossed ranks ($ex)"
        [ ! -s "$d.out" ] || fail "$d: --quiet ranks printed: $(cat "$d.out")"
    done
done
# metis cuts fewer edges than hash on this small-world network
cut() { sed -n 's/.*"cut": \([0-9]*\),.*/\1/p' "$1/summary.json" | head -n 1; }
[ "$(cut "$WORK/np4-metis")" -lt "$(cut "$WORK/np4-hash")" ] \
    || fail "metis cut $(cut "$WORK/np4-metis") edges, hash $(cut "$WORK/np4-hash")"

# node processes under every rank (ipc), two a rank
ranks 2 "$WORK/ipc" "$society" --set transport=ipc --set nodes=2
same_run "$WORK/one" "$WORK/ipc"
[ "$(json_field "$WORK/ipc/summary.json" nodes)" = 4 ] || fail "2 ranks of 2 nodes are not 4 nodes"

# the world-wide exchange (what messages beyond the neighbouring ranks take) and the
# exchanges in pieces (what counts beyond INT_MAX bytes take), on the same society
NUNCHI_MPI_EXCHANGE=world ranks 3 "$WORK/world" "$society"
same_run "$WORK/one" "$WORK/world"
grep -q '"exchange": "world"' "$WORK/world/summary.json" || fail "the world-wide exchange was not used"
grep -q '"exchange": "neighbourhood"' "$WORK/np3-metis/summary.json" \
    || fail "the neighbourhood exchange was not used"
NUNCHI_MPI_PIECE_BYTES=100 ranks 3 "$WORK/pieces" "$society"
same_run "$WORK/one" "$WORK/pieces"

# a rank without cut edges: agents 0..9 form a ring of their own (rank 0 of block), 10..29
# another that ranks 1 and 2 share
net="$WORK/two_rings.txt"
{
    for i in $(seq 0 9); do echo "$i $(((i + 1) % 10))"; done
    for i in $(seq 10 29); do echo "$i $((10 + (i - 9) % 20))"; done
} >"$net"
rings=(--set agents=30 --set "network={model: file, path: $net}" --set partition=block
    --set nodes=1 --rounds 30)
"$NUNCHI" run "${rings[@]}" --out "$WORK/rings1" --quiet || fail "the rings in one process failed"
ranks 3 "$WORK/rings3" "${rings[@]}"
same_run "$WORK/rings1" "$WORK/rings3"
[ "$(cut "$WORK/rings3")" = 2 ] || fail "the rings' cut is $(cut "$WORK/rings3"), not 2"

# more ranks than agents: rank 3 hosts nobody and still takes part in every round
tiny=(--set agents=3 --set nodes=1 --set network.k=2 --rounds 20)
"$NUNCHI" run "${tiny[@]}" --out "$WORK/tiny1" --quiet || fail "three agents in one process failed"
ranks 4 "$WORK/tiny4" "${tiny[@]}"
same_run "$WORK/tiny1" "$WORK/tiny4"
grep -A6 '"agents_per_rank"' "$WORK/tiny4/summary.json" | tr -d ' \n' | grep -q '\[1,1,1,0\]' \
    || fail "three agents on four ranks are not 1,1,1,0: $(grep -A6 agents_per_rank "$WORK/tiny4/summary.json")"

# a scenario error: said once (by rank 0), every rank exits 2, no run directory
bad="$WORK/bad.yaml"
printf 'agents: 100\nrounds: 5\nnodes: two\n' >"$bad"
set +e
mpirun --oversubscribe -np 3 "$NUNCHI" run "$bad" --out "$WORK/bad" --quiet >"$WORK/bad.out" 2>"$WORK/bad.err"
st=$?
set -e
[ "$st" -eq 2 ] || fail "a bad scenario under mpirun -np 3 exited with status $st, not 2: $(cat "$WORK/bad.err")"
[ "$(grep -c "bad.yaml:3" "$WORK/bad.err")" -eq 1 ] \
    || fail "the error is not said exactly once, with its file and line: $(cat "$WORK/bad.err")"
[ ! -e "$WORK/bad" ] || fail "a refused run made its run directory"
# a missing scenario file: the same
set +e
mpirun --oversubscribe -np 2 "$NUNCHI" run "$WORK/missing.yaml" --quiet >/dev/null 2>"$WORK/missing.err"
st=$?
set -e
[ "$st" -eq 2 ] || fail "a missing scenario under mpirun exited with status $st, not 2"
[ "$(grep -c "cannot read scenario" "$WORK/missing.err")" -eq 1 ] \
    || fail "the missing file is not said exactly once: $(cat "$WORK/missing.err")"
# serve is one process
set +e
mpirun --oversubscribe -np 2 "$NUNCHI" serve "$society" --bind tcp://127.0.0.1:0 >/dev/null 2>"$WORK/serve.err"
st=$?
set -e
[ "$st" -eq 2 ] && grep -q "'serve' runs in one process" "$WORK/serve.err" \
    || fail "serve under mpirun: status $st, $(cat "$WORK/serve.err")"
echo "ok: 1 to 4 ranks give the one-process answer for metis, block and hash"
