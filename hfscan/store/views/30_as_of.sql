-- The Hub as of a date, repo by repo: every repo of the latest snapshot, with what is known about
-- its files at the end of that day (UTC). Usage: SELECT * FROM as_of_models('2023-06-30').
--   state  present | absent (did not exist yet) | unknown
--   source listing (known without any request) | history (stored commit log and tree)
--   reason for unknown: no_history (a commit log is needed) | no_tree (the log is stored, the tree
--          at commit_id is not) | unclassified (the version is stored but not classified yet) |
--          squashed (the stored log starts after the day: on no server) | gated | gone | disabled
--          (history_status recorded that final answer at the current sha: no request settles it
--          unless the user gains access, `history --retry-gated`) | failed (the last fetch at the
--          current sha failed for a reason that may pass: `hfscan history` tries it again)
-- The listing answers when the repo was created on or before the day (a real createdAt, or the
-- 2022-03-02 placeholder once the day is past it) and last_modified is on or before it: its files
-- then are the listing's. A created_at after the day (not a placeholder) means it did not exist.
-- Otherwise a stored commit log answers if it reaches the day: it was fetched at the current sha,
-- or it holds a commit after the day (history is linear, so the commit at the day is in the log).
-- A repo with a real createdAt exists from that date, whatever its commits say (pushers set commit
-- dates; docs/CREATION_DATES.md). When such a repo existed on the day but its stored log starts
-- after it (history squashed), its files on the day are on no server: unknown, reason squashed.
-- Classes are the files method's, at the newest rules_version. Repos deleted since are invisible.
--   current_class the class of the repo's files today (the listing's): what the sampled estimate
--          stratifies on (docs/AS_OF.md, "Strata"), never the answer for the day
CREATE OR REPLACE MACRO as_of_models(day) AS TABLE
WITH bound AS (
    SELECT CAST(CAST(day AS DATE) + INTERVAL 1 DAY AS TIMESTAMP) AS next_day
), logs AS (
    SELECT c.model_id,
           arg_max(c.commit_id, c.date) FILTER (c.date < b.next_day) AS commit_id,
           max(c.date) FILTER (c.date < b.next_day) AS commit_date,
           bool_or(c.date >= b.next_day) AS reaches_past
    FROM commits c, bound b GROUP BY c.model_id
), placed AS (
    SELECT m.model_id, m.sha, m.version_id AS head_version, m.created_at_clamped, m.last_modified,
           l.commit_id, l.commit_date,
           CASE WHEN h.sha IS NOT DISTINCT FROM m.sha THEN h.status END AS status_at_sha,
           CASE WHEN NOT m.created_at_clamped AND m.created_at >= b.next_day THEN 'absent'
                WHEN m.created_at < b.next_day AND m.last_modified < b.next_day THEN 'listing'
                WHEN h.status = 'ok' AND h.commits > 0
                     AND (h.sha IS NOT DISTINCT FROM m.sha OR coalesce(l.reaches_past, false)) THEN 'history'
                ELSE 'no_history' END AS basis
    FROM latest_models m
    CROSS JOIN bound b
    LEFT JOIN history_status h ON h.model_id = m.model_id
    LEFT JOIN logs l ON l.model_id = m.model_id
), versioned AS (
    SELECT p.*,
           CASE WHEN p.basis = 'listing' THEN p.head_version
                WHEN p.basis = 'history' AND p.commit_id = p.sha THEN p.head_version  -- the head: the listing's files
                WHEN p.basis = 'history' THEN v.version_id END AS version_id
    FROM placed p
    LEFT JOIN repo_versions v
           -- the key only where a stored tree can answer (CASE computes md5 for those rows alone)
           ON v.version_hash = CASE WHEN p.basis = 'history' AND p.commit_id IS NOT NULL
                                         AND p.commit_id IS DISTINCT FROM p.sha
                                    THEN md5_number_lower(p.model_id || '@' || p.commit_id) END
          AND v.files IS NOT NULL
)
SELECT x.model_id,
       CASE WHEN x.basis = 'absent' OR (x.basis = 'history' AND x.commit_id IS NULL AND x.created_at_clamped)
                 THEN 'absent'
            WHEN x.basis = 'no_history' OR x.version_id IS NULL OR c.class IS NULL THEN 'unknown'
            ELSE 'present' END AS state,
       CASE WHEN x.basis IN ('listing', 'history') THEN x.basis
            WHEN x.basis = 'absent' THEN 'listing' END AS source,
       CASE WHEN x.basis = 'no_history' AND x.status_at_sha IN ('gated', 'gone', 'disabled') THEN x.status_at_sha
            WHEN x.basis = 'no_history' AND x.status_at_sha = 'error' THEN 'failed'
            WHEN x.basis = 'no_history' AND x.status_at_sha = 'ok' THEN 'squashed'  -- an empty log at the head
            WHEN x.basis = 'no_history' THEN 'no_history'
            WHEN x.basis = 'history' AND x.commit_id IS NULL THEN 'squashed'
            WHEN x.basis = 'history' AND x.commit_id IS NOT NULL AND x.version_id IS NULL THEN 'no_tree'
            WHEN x.version_id IS NOT NULL AND c.class IS NULL THEN 'unclassified' END AS reason,
       x.commit_id, x.commit_date, x.sha, x.last_modified, x.created_at_clamped, x.version_id,
       c.class, c.neither_reason, hc.class AS current_class
FROM versioned x
LEFT JOIN version_classes c
       ON c.version_id = x.version_id AND c.method = 'files'
      AND c.rules_version = (SELECT rules_version FROM current_rules)
LEFT JOIN version_classes hc
       ON hc.version_id = x.head_version AND hc.method = 'files'
      AND hc.rules_version = (SELECT rules_version FROM current_rules);

-- Per class and state: the as-of headline's raw counts (present repos carry a class).
CREATE OR REPLACE MACRO as_of_counts(day) AS TABLE
SELECT state, source, reason, class, neither_reason, count(*) AS models
FROM as_of_models(day) GROUP BY ALL;
