# bench/lib.sh — the start-up block the benchmark scripts share: a port,
# `rapport serve` in the background, waiting for /healthz, a session (cookie
# jar + CSRF token) and an API token. Sourced, not run:
#   . bench/lib.sh          (after `cd` to the repository root)
# The caller sets BIN (the rapport binary) and WORK (a directory for the log
# and the cookie jar) and PORT (bench_free_port, or a fixed one); the
# functions set SRV (the server's pid), BASE, CSRF and TOKEN. Each script
# keeps its own EXIT trap (they clean up different things) and calls
# bench_stop_server from it.
# shellcheck shell=bash disable=SC2034  # BASE, CSRF, TOKEN are for the sourcing script

SRV=

# Print a free loopback port (the kernel picks it; closed again at once).
bench_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Start `$BIN serve --db DB --listen 127.0.0.1:$PORT [ARGS…]` in the background; its output goes to
# BENCH_LOG (default $WORK/serve.log; appended when BENCH_LOG_APPEND=1). Environment prefixes
# (e.g. RAPPORT_SMTP_URL=… bench_start_server …) reach the server. Sets SRV and BASE.
bench_start_server() {
  local db=$1 log=${BENCH_LOG:-$WORK/serve.log}
  shift
  if [ "${BENCH_LOG_APPEND:-0}" = 1 ]; then
    "$BIN" serve --db "$db" --listen "127.0.0.1:$PORT" "$@" >>"$log" 2>&1 &
  else
    "$BIN" serve --db "$db" --listen "127.0.0.1:$PORT" "$@" >"$log" 2>&1 &
  fi
  SRV=$!
  BASE=http://127.0.0.1:$PORT
}

# Wait until GET /healthz answers, polling every 0.1 s at most TRIES times (default 600: a minute,
# what a cold analytics load of 1 M parties takes); returns 0 either way, as the scripts always did.
bench_wait_healthy() {
  local _
  for _ in $(seq "${1:-600}"); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  return 0
}

# Log in as EMAIL with PASSWORD: the session cookie into $WORK/jar, its CSRF token into CSRF.
bench_login() {
  CSRF=$(curl -s -c "$WORK/jar" -H 'Content-Type: application/json' -d "{\"email\":\"$1\",\"password\":\"$2\"}" \
    "http://127.0.0.1:$PORT/api/v1/session" | sed -E 's/.*"csrf_token":"([^"]+)".*/\1/')
}

# Create an API token named NAME with the session of bench_login; the secret into TOKEN.
bench_token() {
  TOKEN=$(curl -s -b "$WORK/jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d "{\"name\":\"$1\"}" \
    "http://127.0.0.1:$PORT/api/v1/tokens" | sed -E 's/.*"token":"([^"]+)".*/\1/')
}

# Stop the server of bench_start_server with SIGNAL (default TERM; KILL for kill -9) and reap it;
# a no-op when none runs, so EXIT traps may call it. Clears SRV.
bench_stop_server() {
  [ -n "${SRV:-}" ] || return 0
  kill "-${1:-TERM}" "$SRV" 2>/dev/null || true
  wait "$SRV" 2>/dev/null || true
  SRV=
}
