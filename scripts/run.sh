#!/usr/bin/env bash
# `make run`: create data/rapport.db with demo data and an admin account on
# first use, then serve on http://127.0.0.1:8080 (RAPPORT_LISTEN to change).
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${RAPPORT_DB:-data/rapport.db}
LISTEN=${RAPPORT_LISTEN:-127.0.0.1:8080}
BIN=${B:-build}/rapport
if [ ! -f "$DB" ]; then
  mkdir -p "$(dirname "$DB")"
  "$BIN" init --db "$DB" >/dev/null
  "$BIN" demo --db "$DB" --parties "${RAPPORT_DEMO_PARTIES:-2000}" --seed 1
  "$BIN" analyze --db "$DB" >/dev/null && echo "customer scores computed (rapport analyze)"
  PASSWORD=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | cut -c1-16)
  printf '%s\n' "$PASSWORD" | "$BIN" user add admin@rapport.local --role admin --name "Administrator" --password-stdin --db "$DB" >/dev/null
  echo
  echo "  Admin login (shown once):  admin@rapport.local  /  $PASSWORD"
  echo "  Change it any time:        build/rapport user passwd admin@rapport.local --password-stdin --db $DB"
  echo
fi
echo "  Open http://$LISTEN/ in a browser.  Ctrl-C stops the server."
exec "$BIN" serve --db "$DB" --listen "$LISTEN"
