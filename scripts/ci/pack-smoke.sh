#!/usr/bin/env bash
# The package as a user gets it, on the Node in PATH: `npm pack`, then in a fresh folder with npm's
# default settings `npm install ./tollgate-*.tgz` (library and `npx tollgate`), and, with --global,
# `npm install -g` into a fresh prefix. Each runs `tollgate --version`, a register, a `check` and a
# `report --html` of the example pipeline, and imports the library by name.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "pack smoke on node $(node --version), npm $(npm --version)"
(cd "$root" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball="$(ls "$work"/tollgate-*.tgz)"

exercise() { # $1: the tollgate command, $2: a folder to run in
  local cli="$1" dir="$2"
  cp -r "$root/examples/checkout/." "$dir/"
  (cd "$dir" && $cli --version)
  (cd "$dir" && TOLLGATE_ACTOR=smoke $cli register --file build/checkout-1.4.2.txt --json > registered.json)
  digest="$(node -e "console.log(JSON.parse(require('fs').readFileSync('$dir/registered.json','utf8')).digest)")"
  set +e
  (cd "$dir" && TOLLGATE_ACTOR=smoke $cli check dev --artifact "$digest")
  code=$?
  set -e
  # dev needs unit tests nobody attested: blocked (exit 1) is the right answer; 3 or 4 is a failure.
  if [ "$code" != 1 ]; then echo "check dev exited $code, expected 1 (blocked)" >&2; exit 1; fi
  # The dashboard's files ship in the package (dist/ui): a static report finds them.
  (cd "$dir" && TOLLGATE_ACTOR=smoke $cli report --html report >/dev/null)
  for file in index.html assets/app.js assets/app.css assets/snapshot.js; do
    if [ ! -s "$dir/report/$file" ]; then echo "report --html wrote no $file" >&2; exit 1; fi
  done
}

project="$work/project"
mkdir -p "$project" && cd "$project"
npm init -y >/dev/null
npm install --no-audit --no-fund "$tarball"
exercise "npx --no-install tollgate" "$project"
node --input-type=module -e "import { decide, readContract } from 'tollgate'; const c = readContract('tollgate.yaml'); if (typeof decide !== 'function' || c.pipeline !== 'checkout') process.exit(1); console.log('library import ok:', c.pipeline)"
node -e "const t = require('tollgate'); if (typeof t.openLedger !== 'function') process.exit(1); console.log('library require ok')"

if [ "${1:-}" = "--global" ]; then
  prefix="$work/global"
  npm install -g --prefix "$prefix" --no-audit --no-fund "$tarball"
  mkdir -p "$work/global-run"
  exercise "$prefix/bin/tollgate" "$work/global-run"
fi
echo "pack smoke passed on node $(node --version)"
