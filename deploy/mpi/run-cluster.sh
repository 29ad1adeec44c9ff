#!/bin/bash
# run-cluster.sh: runs one nunchi scenario under mpirun on the hosts of a hostfile, one
# rank per slot. Before it starts mpirun it checks what must be the same on every host:
# the hostfile's form, the nunchi binary and nunchi-node at the same path, the same
# nunchi and Open MPI versions (over ssh, for the hosts that are not this one), and the
# scenario file on rank 0's host. See deploy/mpi/README.md and docs/cluster.md.
#
# Exit status: that of mpirun (the first rank that failed), or 2 for a usage or
# hostfile error, 1 when a host fails a check.
set -euo pipefail

me=run-cluster

usage() {
    cat <<'USAGE'
usage: run-cluster.sh -f HOSTFILE [OPTIONS] SCENARIO [nunchi run options...]
  -f, --hostfile FILE   the hosts, one 'HOST slots=N' a line (see hostfile.example)
  -n, --ranks P         ranks to start (default: the sum of the slots)
  -i, --iface IF        MPI traffic over TCP on interface IF only (pml ob1, btl tcp)
  --oversubscribe       allow more ranks than slots
  --no-check            skip the checks of the other hosts over ssh
  --dry-run             print the mpirun command instead of running it
  -h, --help            this text
environment:
  NUNCHI       the nunchi binary, the same path on every host (default: nunchi on PATH)
  NUNCHI_NODE  the nunchi-node binary, passed to every rank (default: beside nunchi)
  MPIRUN       the mpirun to use (default: mpirun)
  MPIRUN_ARGS  more mpirun options, split on spaces (e.g. '--mca btl_base_verbose 30')
example:
  deploy/mpi/run-cluster.sh -f hosts scenarios/default.yaml --out runs/cluster --seed 7
USAGE
}

die() { # status message
    echo "$me: $2" >&2
    exit "$1"
}

hostfile="" ranks="" iface="" oversubscribe=0 check=1 dry=0
while [ $# -gt 0 ]; do
    case "$1" in
        -f | --hostfile | -n | --ranks | -i | --iface)
            [ $# -ge 2 ] || die 2 "option '$1' needs a value"
            case "$1" in
                -f | --hostfile) hostfile=$2 ;;
                -n | --ranks) ranks=$2 ;;
                *) iface=$2 ;;
            esac
            shift 2
            ;;
        --oversubscribe) oversubscribe=1; shift ;;
        --no-check) check=0; shift ;;
        --dry-run) dry=1; shift ;;
        -h | --help) usage; exit 0 ;;
        --) shift; break ;;
        -*) die 2 "unknown option '$1' (the options of nunchi run go after the scenario)" ;;
        *) break ;;
    esac
done
[ $# -ge 1 ] || { usage >&2; die 2 "a scenario file is required"; }
scenario=$1
shift
[ -n "$hostfile" ] || die 2 "'-f HOSTFILE' is required (see deploy/mpi/hostfile.example)"
[ -r "$hostfile" ] || die 2 "cannot read the hostfile '$hostfile'"
if [ -n "$ranks" ] && ! [[ "$ranks" =~ ^[1-9][0-9]*$ ]]; then
    die 2 "'--ranks' needs a number >= 1, got '$ranks'"
fi

# The hostfile: 'HOST slots=N [max_slots=M]' a line, '#' comments. Open MPI accepts more
# (no slots at all, for one), but a missing slots= is the usual cause of ranks piling up
# on one host, so it is required here.
hosts=() slots=0 lineno=0
while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    line=${line%%#*}
    read -r -a f <<<"$line" || true
    [ ${#f[@]} -eq 0 ] && continue
    if [ ${#f[@]} -gt 3 ] || ! [[ "${f[1]:-}" =~ ^slots=[1-9][0-9]*$ ]] ||
        { [ ${#f[@]} -eq 3 ] && ! [[ "${f[2]}" =~ ^max_slots=[1-9][0-9]*$ ]]; }; then
        die 2 "$hostfile:$lineno: expected 'HOST slots=N' (N >= 1), got '${line}'"
    fi
    slots=$((slots + ${f[1]#slots=}))
    hosts+=("${f[0]}")
done <"$hostfile"
[ ${#hosts[@]} -gt 0 ] || die 2 "$hostfile: no hosts (expected lines of 'HOST slots=N')"
[ -n "$ranks" ] || ranks=$slots
if [ "$ranks" -gt "$slots" ] && [ $oversubscribe -eq 0 ]; then
    die 2 "$ranks ranks but '$hostfile' has $slots slots: add slots, or pass --oversubscribe"
fi

# The binaries: mpirun starts "$NUNCHI" at this same path on every host.
nunchi=${NUNCHI:-$(command -v nunchi || true)}
[ -n "$nunchi" ] || die 2 "no nunchi on PATH: set NUNCHI to the binary (the same path on every host)"
case "$nunchi" in
    /*) ;;
    */*) nunchi="$(cd "$(dirname "$nunchi")" && pwd)/$(basename "$nunchi")" ;;
    *) nunchi=$(command -v "$nunchi" || true) ;;
esac
if [ -z "$nunchi" ] || [ ! -x "$nunchi" ]; then
    die 2 "'${NUNCHI:-nunchi}' is not an executable nunchi"
fi
node=${NUNCHI_NODE:-$(dirname "$nunchi")/nunchi-node}
[ -x "$node" ] || die 2 "no nunchi-node at '$node' (it sits beside nunchi; NUNCHI_NODE overrides)"
mpirun=${MPIRUN:-mpirun}
command -v "$mpirun" >/dev/null || die 2 "no '$mpirun' (Debian: apt-get install openmpi-bin)"

# A relative scenario path is made absolute so that it means the same file to rank 0
# wherever mpirun starts it.
if [ -e "$scenario" ]; then
    scenario="$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")"
fi

# Whether a hostfile name is this machine (Open MPI starts its ranks without ssh).
is_local() {
    local a
    for a in localhost "$(hostname)" "$(hostname -s 2>/dev/null)" "$(hostname -f 2>/dev/null)" \
        $(hostname -I 2>/dev/null); do
        [ "$1" = "$a" ] && return 0
    done
    case "$1" in
        localhost.* | 127.* | ::1) return 0 ;;
    esac
    return 1
}

q() { printf '%q' "$1"; }

first=${hosts[0]}
if is_local "$first"; then
    [ -r "$scenario" ] || die 2 "cannot read the scenario '$scenario' (rank 0 runs here)"
elif [ $check -eq 1 ]; then
    echo "$me: rank 0 runs on '$first': the scenario is read and the run directory written there" >&2
fi

if [ $check -eq 1 ]; then
    want_nunchi=$("$nunchi" version)
    want_mpi=$("$mpirun" --version 2>/dev/null | sed -n 1p)
    seen=" "
    for h in "${hosts[@]}"; do
        case "$seen" in *" $h "*) continue ;; esac
        seen="$seen$h "
        is_local "$h" && continue
        # the remote shell prints two lines, nunchi's version and Open MPI's, or the
        # reason it cannot as its last line
        probe="test -x $(q "$nunchi") || { echo no nunchi at $(q "$nunchi"); exit 3; }
test -x $(q "$node") || { echo no nunchi-node at $(q "$node"); exit 3; }
command -v $(q "$mpirun") >/dev/null || { echo no $(q "$mpirun") on the PATH of ssh commands; exit 3; }
$(q "$nunchi") version || exit 3
$(q "$mpirun") --version 2>/dev/null | sed -n 1p"
        if [ "$h" = "$first" ]; then
            probe="test -r $(q "$scenario") || { echo cannot read the scenario $(q "$scenario"), rank 0 runs there; exit 3; }
$probe"
        fi
        if ! got=$(ssh -o BatchMode=yes -o ConnectTimeout=10 "$h" "$probe" 2>&1); then
            die 1 "$h: $(echo "$got" | tail -n 1) (ssh must work without a password, see docs/cluster.md)"
        fi
        got_nunchi=$(echo "$got" | sed -n 1p)
        got_mpi=$(echo "$got" | sed -n 2p)
        [ "$got_nunchi" = "$want_nunchi" ] ||
            die 1 "$h: '$nunchi version' says '$got_nunchi', here '$want_nunchi': install the same build"
        [ "$got_mpi" = "$want_mpi" ] ||
            die 1 "$h: 'mpirun --version' says '$got_mpi', here '$want_mpi': install the same Open MPI"
    done
fi

# Open MPI refuses to start as root without both variables; it passes OMPI_* variables
# on to every rank itself.
if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# --bind-to none: each rank runs several threads (its node threads and the
# coordinator's pool), and Open MPI's default for two ranks or fewer binds each rank to
# one core, which would put all of a rank's threads on that core.
cmd=("$mpirun" --hostfile "$hostfile" -np "$ranks" --bind-to none)
[ $oversubscribe -eq 1 ] && cmd+=(--oversubscribe)
if [ -n "$iface" ]; then
    # shellcheck disable=SC2054 # the commas belong to the btl list
    cmd+=(--mca pml ob1 --mca btl self,vader,tcp --mca btl_tcp_if_include "$iface"
        --mca oob_tcp_if_include "$iface")
fi
[ -n "${NUNCHI_NODE:-}" ] && cmd+=(-x NUNCHI_NODE)
if [ -n "${MPIRUN_ARGS:-}" ]; then
    read -r -a extra <<<"$MPIRUN_ARGS"
    cmd+=("${extra[@]}")
fi
cmd+=("$nunchi" run "$scenario" "$@")

if [ $dry -eq 1 ]; then
    printf '%q ' "${cmd[@]}"
    echo
    exit 0
fi
exec "${cmd[@]}"
