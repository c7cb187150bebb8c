#!/bin/sh
# Installs Debian's OCI registry (docker-registry, distribution 2.8), skopeo (the copy baseline in
# bench/oci-copy.bench.ts) and htpasswd (apache2-utils, basic auth files) for the OCI tests
# (test/artifact/oci-*.test.ts). Idempotent: installs only what is missing. The registry package
# starts no service here (no systemd); the tests start their own registries on free loopback ports
# with throwaway directories and stop them by PID.
set -eu

missing=''
command -v docker-registry >/dev/null 2>&1 || missing="$missing docker-registry"
command -v skopeo >/dev/null 2>&1 || missing="$missing skopeo"
command -v htpasswd >/dev/null 2>&1 || missing="$missing apache2-utils"

if [ -z "$missing" ]; then
  echo "registry tools already installed: $(docker-registry --version 2>&1 | head -n 1); $(skopeo --version)"
  exit 0
fi

SUDO=''
if [ "$(id -u)" -ne 0 ]; then
  SUDO='sudo'
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $missing
# The package may start its own registry on :5000 where an init system runs; the tests never use it.
echo "installed:$missing"
