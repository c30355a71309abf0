-- contract §5 reading 3: loaded rows the loader flagged, by table and flag.
-- Loaded rows the loader flagged (orphans, impossible orders, unknown rights), by table and flag.
SELECT table_name, flag, rows
FROM load_flags
ORDER BY table_name, flag
