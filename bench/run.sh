#!/usr/bin/env bash
# `make bench`: every benchmark under bench/*/run.sh, each printing its
# numbers and its ratio to a peer measured in the same run.
set -uo pipefail
cd "$(dirname "$0")/.."
export B=${B:-build}
rc=0
for script in bench/*/run.sh; do
  echo "=== $script"
  bash "$script" || rc=1
  echo
done
exit $rc
