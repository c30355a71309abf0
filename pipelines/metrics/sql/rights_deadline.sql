-- GDPR Art. 12(3), policy §3: how the rights deadline is counted, in one file (docs/design.md, "Rules in one
-- place"). The lengths are the policy file's ([rights] deadline_months, extended_deadline_months, clock_start),
-- bound as $deadline_months, $extended_deadline_months and $clock_start by the models that call these macros
-- (staging/rights_evaluated.sql, marts/rights_on_time_trend.sql), which only pass them through. The file's last
-- macro, nth_working_day_after, counts working days after a day for the standards of n working days (the
-- support response standard and the consent-withdrawal standard, reading 23): one working-day rule.
-- The macros read the working-day `calendar` table, so pipelines/db.py defines them with it
-- (db.install_calendar, db.macro_statements("rights_deadline")); the Spark engine receives the same statements.
-- One statement per macro, each ending with ";" at the end of a line.

-- contract §3 "Rights-request turnaround" (docs/contract.md): the clock starts on the day of receipt; under the
-- ICO's reading ('identity_verified') it restarts at identity verification, never before receipt
CREATE OR REPLACE TEMP MACRO clock_start(received_on, verified_on, reading) AS CASE
    WHEN reading = 'identity_verified' AND verified_on IS NOT NULL THEN greatest(received_on, verified_on)
    ELSE received_on END;

-- GDPR Art. 12(3) with Regulation 1182/71 art. 3(2)(c) and 3(4): `months` from the start (add_months),
-- rolled to the next working day (weekends and Belgian public holidays are not; docs/design.md, "Support and rights")
CREATE OR REPLACE TEMP MACRO legal_deadline(start_on, months) AS
    (SELECT next_working_day FROM calendar WHERE day = add_months(start_on, months));

-- GDPR Art. 12(3): an extension counts only when notified within the first period
-- (notified_on NULL: no notice, or none yet)
CREATE OR REPLACE TEMP MACRO rights_extension(start_on, notified_on, months) AS CASE
    WHEN notified_on IS NULL THEN 'none'
    WHEN notified_on <= legal_deadline(start_on, months) THEN 'valid'
    ELSE 'invalid' END;

-- GDPR Art. 12(3): the day a request is due, the extended deadline after a valid extension, else the first one
CREATE OR REPLACE TEMP MACRO rights_due(start_on, notified_on, months, extended_months) AS CASE
    WHEN rights_extension(start_on, notified_on, months) = 'valid' THEN legal_deadline(start_on, extended_months)
    ELSE legal_deadline(start_on, months) END;

-- policy §1.4 and contract §5 reading 23 (docs/contract.md): the n-th working day after a day, that day not
-- counting (weekends and Belgian public holidays are not working days; calendar.working_day_index counts the
-- working days up to and including each day): the last day of a standard of "n working days after the day of
-- receipt". n = 0 is the day itself. Used by staging/support_evaluated.sql (the response standard) and
-- staging/rights_evaluated.sql (the consent-withdrawal standard); NULL when the calendar does not reach it
CREATE OR REPLACE TEMP MACRO nth_working_day_after(start_on, n) AS CASE
    WHEN n = 0 THEN start_on
    ELSE (SELECT min(due.day)
          FROM calendar AS received
          JOIN calendar AS due ON due.working_day_index = received.working_day_index + n AND due.is_working_day
          WHERE received.day = start_on) END;
