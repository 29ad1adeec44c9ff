#!/bin/sh
# The Node.js client's npm packages (clients/node/package-lock.json: zeromq, protobufjs),
# installed into clients/node/node_modules when they are missing or older than the lock.
# Node.js itself is a Debian package of the list (nodejs); npm is installed here only when
# no npm comes with it (Debian's nodejs has none, NodeSource's has its own), so that the
# two never fight. As root it runs apt-get; otherwise it prints the exact command.
set -eu
dir=clients/node
[ -f "$dir/package-lock.json" ] || exit 0
if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "nunchi: npm is missing: run: sudo apt-get install -y npm" >&2
        exit 1
    fi
    echo "nunchi: installing npm" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
fi
stamp="$dir/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
    echo "nunchi: npm ci in $dir" >&2
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
fi
