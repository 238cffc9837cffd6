#!/usr/bin/env bash
# Campaign benchmarks (issue 20): resolving a segment of CAMPAIGN_PARTIES
# (default 1,000,000) parties into a campaign's frozen member list when it
# becomes active (target < 2 s), and — with MAIL_COUNT > 0 (default
# 100,000) — sending that many e-mails to a loopback SMTP server
# (tests/api/smtp_sink.mjs; target < 60 s) while sampling the server's
# resident memory (target: flat).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
BIN=$PWD/$B/rapport
N=${CAMPAIGN_PARTIES:-1000000}
MAILS=${MAIL_COUNT:-100000}
WORK=$(mktemp -d /tmp/rapport-campaign.XXXXXX)
. bench/lib.sh
SINK=
trap 'bench_stop_server KILL; [ -z "$SINK" ] || kill -9 $SINK 2>/dev/null || true; cp $WORK/serve.log /tmp/mail-serve.log; rm -rf "$WORK"' EXIT
DB=$WORK/c.db
"$BIN" init --db "$DB" >/dev/null
echo 'bench password 1234' | "$BIN" user add bench@rapport.local --role admin --password-stdin --db "$DB" >/dev/null
# Parties straight into the table (the bench measures the resolver, not the write path).
"$BIN" db exec --db "$DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
  INSERT INTO party(kind, name, tags, emails, created_at, updated_at)
  SELECT 'person', 'p' || i, CASE WHEN i <= $MAILS THEN '[\"mail\"]' ELSE '[\"vip\"]' END,
         '[\"p' || i || '@bench.test\"]', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n"
PORT=$(bench_free_port)
# Both servers' output in one log (copied to /tmp/mail-serve.log at exit).
start_server() { RAPPORT_SMTP_URL=${SMTP_URL:-} BENCH_LOG_APPEND=1 bench_start_server "$DB"; bench_wait_healthy 200; }
start_server
bench_login bench@rapport.local 'bench password 1234'
api() { curl -s -b "$WORK/jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -X "$1" "http://127.0.0.1:$PORT$2" ${3:+-d "$3"}; }
id=$(api POST /api/v1/campaigns '{"name":"bench","channel":"email","segment":"kind=person","control_share":0.1}' | sed -E 's/.*"id":([0-9]+).*/\1/')
t0=$(date +%s.%N)
out=$(api PATCH /api/v1/campaigns/$id '{"status":"active","version":1}')
t1=$(date +%s.%N)
members=$(echo "$out" | sed -E 's/.*"member_count":([0-9]+).*/\1/')
controls=$(echo "$out" | sed -E 's/.*"control_count":([0-9]+).*/\1/')
echo "--- segment of $N parties resolved into members on activation"
echo "  members:          $members (control group $controls)"
echo "  activation:       $(echo "$t1 - $t0" | bc) s (target < 2 s)"
if [ "$MAILS" -gt 0 ]; then
  SINK_PORT=$(bench_free_port)
  node tests/api/smtp_sink.mjs "$SINK_PORT" "$WORK/sink.count" &
  SINK=$!
  sleep 0.5
  bench_stop_server
  SMTP_URL=smtp://127.0.0.1:$SINK_PORT start_server
  bench_login bench@rapport.local 'bench password 1234'
  tid=$(api POST /api/v1/email-templates '{"name":"b","language":"en","subject":"Hello {{name}}","body":"<p>Dear {{name}}, <a href=\"https://example.com/offer\">our offer</a>. {{unsubscribe_url}}</p>"}' | sed -E 's/.*"id":([0-9]+).*/\1/')
  "$BIN" db exec --db "$DB" "INSERT INTO consent(party_id, channel, granted, source, given_at, created_at, updated_at)
    SELECT id, 'email', 1, 'bench', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM party WHERE id <= $MAILS"
  "$BIN" db exec --db "$DB" "INSERT INTO contact_point(kind, normalized, party_id) SELECT 'email', 'p' || id || '@bench.test', id FROM party WHERE id <= $MAILS ON CONFLICT DO NOTHING"
  mid=$(api POST /api/v1/campaigns "{\"name\":\"mail bench\",\"channel\":\"email\",\"segment\":\"tags=mail\",\"template_id\":$tid}" | sed -E 's/.*"id":([0-9]+).*/\1/')
  api PATCH /api/v1/campaigns/$mid '{"status":"active","version":1}' >/dev/null
  t0=$(date +%s.%N)
  job=$(api POST /api/v1/campaigns/$mid/send | sed -E 's/^\{"id":([0-9]+).*/\1/')
  rss=()
  while :; do
    st=$(api GET /api/v1/jobs/$job | sed -E 's/.*"status":"([a-z]+)".*/\1/')
    rss+=("$(awk '/VmRSS/ {print $2}' /proc/$SRV/status)")
    [ "$st" = queued ] || [ "$st" = running ] || break
    sleep 1
  done
  t1=$(date +%s.%N)
  sleep 1   # the sink writes its count every half second
  echo "--- $MAILS e-mails to a loopback SMTP server (job $st)"
  read -r got conns < "$WORK/sink.count" || true
  echo "  received:         ${got:-0} messages over ${conns:-0} SMTP connections"
  echo "  send time:        $(echo "$t1 - $t0" | bc) s (target < 60 s)"
  cpu() { awk '{printf "%.1f", ($14 + $15) / 100}' /proc/$1/stat; }
  echo "  CPU seconds:      server $(cpu $SRV), SMTP sink $(cpu $SINK) (2 cores shared; load average $(cut -d' ' -f1 /proc/loadavg))"
  echo "  server RSS (KiB): first ${rss[0]}, max $(printf '%s\n' "${rss[@]}" | sort -n | tail -1), last ${rss[-1]} (${#rss[@]} samples)"
fi
