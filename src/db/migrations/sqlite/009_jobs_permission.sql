-- 9: background jobs (imports, analytics runs) become an entity of the
-- permission table. GET /api/v1/jobs/{id} asked for jobs.read, which had no
-- rows, so every non-admin got 403 even for the analytics run they had just
-- started, and an admin could not grant it. By default everyone reads the
-- jobs they started (scope own = created by the user; team = by the users of
-- their teams); only an admin does more.
INSERT OR IGNORE INTO role_permission (role, entity, action, scope)
SELECT r.role, 'jobs', a.action,
  CASE WHEN r.role = 'admin' THEN 'all' WHEN a.action = 'read' THEN 'own' ELSE 'none' END
FROM (SELECT 'admin' AS role UNION ALL SELECT 'manager' UNION ALL SELECT 'sales' UNION ALL SELECT 'service'
      UNION ALL SELECT 'marketing' UNION ALL SELECT 'read_only') r,
     (SELECT 'read' AS action UNION ALL SELECT 'create' UNION ALL SELECT 'update' UNION ALL SELECT 'delete'
      UNION ALL SELECT 'export' UNION ALL SELECT 'assign') a;
