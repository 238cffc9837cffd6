-- 14 (issue 19, service): business calendars and SLA policies. A calendar
-- is data an admin edits or imports per year: its zone, working hours per
-- weekday (JSON {"mon": [["09:00","12:00"], …], …}), public holidays and
-- extra working days (调休) as JSON lists of dates, and the hours of those
-- days where they are not Monday's. An SLA policy gives first-response and
-- resolution targets in business minutes of its calendar, for the
-- priorities, categories and customer tiers it lists (empty: any).
CREATE TABLE business_calendar (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  hours TEXT NOT NULL DEFAULT '{}',
  holidays TEXT NOT NULL DEFAULT '[]',
  working_days TEXT NOT NULL DEFAULT '[]',
  working_day_hours TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE TABLE sla_policy (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  calendar_id INTEGER NOT NULL REFERENCES business_calendar(id),
  priorities TEXT NOT NULL DEFAULT '[]',
  categories TEXT NOT NULL DEFAULT '[]',
  tiers TEXT NOT NULL DEFAULT '[]',
  first_response_minutes INTEGER NOT NULL,
  resolution_minutes INTEGER NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX sla_policy_calendar ON sla_policy(calendar_id);
