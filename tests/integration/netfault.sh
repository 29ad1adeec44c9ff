# Network faults for real (tests/netfault/netfault.sh): a coordinator and three nodes in
# network namespaces over tcp, through links delayed, lossy, duplicating, reordering and
# cut for 2 s, each run with the fault-free digest; skips without root or namespaces.
exec bash "$2/tests/netfault/netfault.sh" "$1" "$2"
