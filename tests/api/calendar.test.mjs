// The per-user iCalendar feed (issue 18): POST /api/v1/calendar-feeds gives a
// secret URL (a new one each time; the old stops working), the feed needs no
// login and holds the user's planned interactions as RFC 5545 — parsed here
// by an independent parser, Python's icalendar (Debian python3-icalendar).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Server, addUser, sql, sqlExec } from './harness.mjs';

const PW = 'a long enough password';

// The events of an iCalendar text as [{uid, summary, start, description, categories}].
function parseIcs(text) {
  const py = `
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
out = {"version": str(cal.get("VERSION")), "events": []}
for ev in cal.walk("VEVENT"):
    out["events"].append({"uid": str(ev.get("UID")), "summary": str(ev.get("SUMMARY")),
        "start": ev.decoded("DTSTART").strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (ev.decoded("DTSTART") + ev.decoded("DURATION")).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "description": str(ev.get("DESCRIPTION")) if ev.get("DESCRIPTION") else None})
print(json.dumps(out))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('the calendar feed: secret URL, no login, planned tasks only, regenerate, scope', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'rep@test.local', 'sales');
    addUser(srv.db, 'other@test.local', 'sales');
    const rep = await srv.login('rep@test.local', PW);
    const other = await srv.login('other@test.local', PW);
    const p = (await rep.post('/api/v1/parties', { kind: 'person', name: '周星驰 Chow' })).body;
    const soon = new Date(Date.now() + 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
    const t1 = await rep.post('/api/v1/interactions', { party_id: p.id, channel: 'call', status: 'planned', due_at: soon,
      subject: '回电 Call back, about the offer', notes: 'line one\nline two; with, commas' });
    assert.equal(t1.status, 201, t1.text);
    await rep.post('/api/v1/interactions', { party_id: p.id, channel: 'visit', status: 'done', occurred_at: '2026-01-01T10:00:00Z' });
    const st0 = await rep.get('/api/v1/calendar-feeds');
    assert.deepEqual(st0.body, { active: false, created_at: null });
    const f = await rep.post('/api/v1/calendar-feeds', {});
    assert.equal(f.status, 201, f.text);
    assert.match(f.body.url, /^http:\/\/127\.0\.0\.1:\d+\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    // Only a hash is stored.
    const secret = f.body.path.slice('/calendar/'.length, -4);
    assert.equal(sql(srv.db, "SELECT COUNT(*) FROM calendar_feed WHERE CAST(secret_hash AS TEXT) LIKE '%' || ? || '%'", secret), '0');
    const r = await fetch(srv.base + f.body.path);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/calendar/);
    const text = await r.text();
    assert.match(text, /^BEGIN:VCALENDAR\r\n/);
    const cal = parseIcs(text);
    assert.equal(cal.version, '2.0');
    assert.equal(cal.events.length, 1, text);
    const ev = cal.events[0];
    assert.equal(ev.uid, `interaction-${t1.body.id}@rapport`);
    assert.equal(ev.summary, '回电 Call back, about the offer · 周星驰 Chow');
    assert.equal(ev.start, soon);
    assert.equal(ev.description, 'line one\nline two; with, commas');
    assert.equal(Date.parse(ev.end) - Date.parse(ev.start), 30 * 60000);
    // The other user's feed does not show rep's tasks.
    const of = (await other.post('/api/v1/calendar-feeds', {})).body;
    assert.equal(parseIcs(await (await fetch(srv.base + of.path)).text()).events.length, 0);
    // A new URL: the old one stops working.
    const f2 = (await rep.post('/api/v1/calendar-feeds', {})).body;
    assert.notEqual(f2.path, f.body.path);
    assert.equal((await fetch(srv.base + f.body.path)).status, 404);
    assert.equal((await fetch(srv.base + f2.path)).status, 200);
    assert.equal((await fetch(srv.base + '/calendar/nonsense.ics')).status, 404);
    assert.equal((await rep.get('/api/v1/calendar-feeds')).body.active, true);
    // A disabled user's feed stops; so does a deleted one.
    sqlExec(srv.db, "UPDATE app_user SET disabled = 1 WHERE email = 'other@test.local'");
    assert.equal((await fetch(srv.base + of.path)).status, 404);
    assert.equal((await rep.del('/api/v1/calendar-feeds')).status, 204);
    assert.equal((await fetch(srv.base + f2.path)).status, 404);
    // Without a login the API route is refused.
    assert.equal((await fetch(srv.base + '/api/v1/calendar-feeds', { method: 'POST' })).status, 401);
  } finally { await srv.stop(); srv.cleanup(); }
});
