#!/usr/bin/env bash
# Installs what building and testing Rapport needs on Debian 12, idempotently:
# Debian packages only when one is missing, npm packages from the lockfile
# only when node_modules is older than it. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential pkg-config clang-14 libclang-rt-14-dev
          libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libcmocka-dev libnlopt-dev
          libxlsxwriter-dev zlib1g-dev libicu-dev libzip-dev libexpat1-dev libical-dev python3-icalendar libhpdf-dev
          fonts-droid-fallback poppler-utils liblunar-date-dev libglib2.0-dev libcurl4-openssl-dev
          libpq-dev postgresql-15
          sqlite3 curl wrk nodejs chromium fonts-noto-cjk valgrind python3)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm ships inside some nodejs builds; Debian's own nodejs needs the npm package.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Web UI third-party files (chart.js), embedded into the binary by the Makefile.
if [ -f web/package-lock.json ]; then
  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
    touch web/node_modules
  fi
fi

# Browser-test packages (playwright-core drives Debian's chromium; no browser download).
if [ -f tests/browser/package-lock.json ]; then
  if [ ! -d tests/browser/node_modules ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules ]; then
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
    touch tests/browser/node_modules
  fi
fi

# OpenAPI checks: two linters (redocly, spectral) run on the served description,
# and ajv, which tests/api/harness.mjs uses to validate every answer of the API suite.
if [ -f tests/openapi/package-lock.json ]; then
  if [ ! -d tests/openapi/node_modules ] || [ tests/openapi/package-lock.json -nt tests/openapi/node_modules ]; then
    (cd tests/openapi && npm ci --no-audit --no-fund --loglevel=error)
    touch tests/openapi/node_modules
  fi
fi
