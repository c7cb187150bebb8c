#!/bin/sh
# Installs Prometheus from Debian for the rollback integration tests (test/rollback/prometheus.test.ts).
# Idempotent: does nothing when a `prometheus` binary is already on PATH. The package does not
# start a service here (no systemd); the tests start their own on a free loopback port.
set -eu

if command -v prometheus >/dev/null 2>&1; then
  echo "prometheus already installed: $(prometheus --version 2>&1 | head -n 1)"
  exit 0
fi

SUDO=''
if [ "$(id -u)" -ne 0 ]; then
  SUDO='sudo'
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y --no-install-recommends prometheus
echo "installed: $(prometheus --version 2>&1 | head -n 1)"
