# DeGroot averaging on a connected graph converges to its exact limit,
# sum(deg_i * x_i(0)) / sum(deg_i): every final opinion lies within 1e-9 of it.
source "$(dirname "$0")/lib/common.bash"
cat >"$WORK/degroot.yaml" <<'YAML'
name: degroot-limit
seed: 3
rounds: 400
agents: 300
network: {model: barabasi_albert, m: 3}
opinions: {init: uniform}
populations:
  - {behaviour: degroot, share: 1, params: {self_weight: 0.3}}
nodes: 3
YAML
"$NUNCHI" run "$WORK/degroot.yaml" --out "$WORK/run" --quiet
"$NUNCHI" network "$WORK/degroot.yaml" -o "$WORK/edges.csv" --quiet
awk -F, '
    FNR == 1 { file++ }
    file == 1 { deg[$1]++; deg[$2]++; next }            # edges.csv: u,v
    file == 2 && FNR > 1 { x0[$1] = $3; next }          # initial_state.csv
    file == 3 && FNR > 1 { x[$1] = $3; n++ }            # final_state.csv
    END {
        for (i in x0) { num += deg[i] * x0[i]; den += deg[i] }
        limit = num / den
        worst = 0
        for (i in x) { d = x[i] - limit; if (d < 0) d = -d; if (d > worst) worst = d }
        printf "limit %.12f, agents %d, largest distance %.3g\n", limit, n, worst
        if (n != 300 || worst > 1e-9) exit 1
    }' "$WORK/edges.csv" "$WORK/run/initial_state.csv" "$WORK/run/final_state.csv" \
    || fail "DeGroot did not reach its limit within 1e-9"
echo "ok: DeGroot ends at sum(deg x0)/sum(deg)"
