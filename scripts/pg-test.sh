#!/usr/bin/env bash
# The API suite a second time, on PostgreSQL (issue 22): makes a throwaway
# cluster with scripts/pg-cluster.sh (initdb as `nobody` when run as root,
# a free loopback port), runs tests/api/*.test.mjs (or the files given)
# with RAPPORT_TEST_DB pointing at it, so that every test server gets a
# database of its own there, prints node's TAP output, and removes the
# cluster. check.sh counts its results as the suite "api-pg".
# Exit status: node's; 2 when no cluster could be made.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/rapport-pg.XXXXXX)
cleanup() { bash scripts/pg-cluster.sh stop "$dir/cluster"; rm -rf "$dir"; }
trap cleanup EXIT
url=$(bash scripts/pg-cluster.sh start "$dir/cluster") || { echo "pg-test: no PostgreSQL cluster" >&2; exit 2; }
mkdir -p "$dir/files"
[ $# -gt 0 ] || set -- tests/api/*.test.mjs
RAPPORT_TEST_DB=$url RAPPORT_FILES_DIR=$dir/files \
  node --test --test-reporter=tap --test-concurrency="${TEST_CONCURRENCY:-2}" "$@"
