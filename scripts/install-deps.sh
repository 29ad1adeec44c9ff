#!/bin/sh
# Installs the Debian packages named in the list (one per line, '#' comments) that are
# not installed yet. As root it runs apt-get; otherwise it prints the exact command.
set -eu
list=${1:-deploy/debian-packages.txt}
missing=""
for p in $(sed -e 's/#.*//' "$list"); do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "nunchi: missing packages:$missing (this is not a Debian system: install them by hand)" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "nunchi: missing packages:$missing" >&2
    echo "nunchi: run: sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "nunchi: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
