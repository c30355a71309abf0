-- contract §1 "Exports": rows in, loaded and set aside per table.
-- Rows in, loaded and set aside per contract table, as the loader counted them (contract §1);
-- an optional table that was not exported has present = false.
SELECT table_name, present, rows_in, rows_loaded, rows_rejected
FROM load_tables
ORDER BY table_name
