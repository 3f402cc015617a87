-- Analysis views over the latest snapshot and the scan history. Every view states its
-- population: `population` columns count pytorch_only + tensorflow_only + both.

-- Creation dates (docs/CREATION_DATES.md). `created_at_best` is the listed createdAt where it is a
-- real date, and the first commit (from `hfscan history`) for repos behind the 2022 placeholder;
-- NULL when unknown. `created_at_source` says which. The first commit is not always the creation:
-- `first_commit_not_creation` flags a first commit more than a day away from the `_id` time
-- (squashed or backdated history); it is only informative where createdAt is a real date.
-- `true_created_at` is the old name of `created_at_best`, kept for existing queries.
CREATE OR REPLACE VIEW model_created AS
WITH dated AS (
    SELECT m.model_id, m.created_at AS listed_created_at, m.created_at_clamped, m.hub_id_created_at,
           h.first_commit_at,
           CASE WHEN m.created_at_clamped THEN h.first_commit_at ELSE m.created_at END AS created_at_best,
           CASE WHEN m.created_at_clamped THEN (CASE WHEN h.first_commit_at IS NOT NULL THEN 'first_commit' END)
                WHEN m.created_at IS NOT NULL THEN 'createdAt' END AS created_at_source,
           NOT m.created_at_clamped AND h.first_commit_at IS NOT NULL
               AND abs(epoch(h.first_commit_at) - epoch(coalesce(m.hub_id_created_at, m.created_at))) > 86400
               AS first_commit_not_creation
    FROM latest_models m
    LEFT JOIN history_status h ON h.model_id = m.model_id AND h.status = 'ok'
)
SELECT model_id, listed_created_at, created_at_clamped, hub_id_created_at, first_commit_at, created_at_best,
       created_at_source, coalesce(first_commit_not_creation, false) AS first_commit_not_creation,
       created_at_best AS true_created_at
FROM dated;

-- Classes by creation quarter (latest snapshot). Clamped repos without recovered dates form one
-- labelled bucket instead of being spread over months nobody knows.
CREATE OR REPLACE VIEW cohort_shares AS
SELECT c.method,
       CASE WHEN t.created_at_best IS NULL THEN 'before 2022-03 (date unknown)'
            ELSE strftime(t.created_at_best, '%Y') || '-Q' || quarter(t.created_at_best) END AS cohort,
       count(*) AS models,
       count(*) FILTER (c.class = 'pytorch_only') AS pytorch_only,
       count(*) FILTER (c.class = 'tensorflow_only') AS tensorflow_only,
       count(*) FILTER (c.class = 'both') AS both,
       count(*) FILTER (c.class = 'neither') AS neither,
       count(*) FILTER (c.class <> 'neither') AS population
FROM latest_classes c JOIN model_created t USING (model_id)
GROUP BY ALL;

-- The most downloaded models of the latest snapshot with their class (files and tags methods).
CREATE OR REPLACE VIEW top_models AS
SELECT rank() OVER (ORDER BY f.downloads DESC NULLS LAST, f.model_id) AS rank, f.model_id, f.downloads,
       f.library_name, f.class AS files_class, t.class AS tags_class, f.formats
FROM latest_classes f
LEFT JOIN latest_classes t ON t.model_id = f.model_id AND t.method = 'tags'
WHERE f.method = 'files';

-- Shares weighted by downloads (30-day and all-time), latest snapshot.
CREATE OR REPLACE VIEW weighted_shares AS
SELECT method, class, count(*) AS models, sum(downloads) AS downloads,
       sum(downloads_all_time) AS downloads_all_time
FROM latest_classes GROUP BY ALL;

-- Breakdowns of the latest snapshot: by library, pipeline tag and author.
CREATE OR REPLACE VIEW breakdown_shares AS
SELECT method, 'library_name' AS dimension, coalesce(library_name, '(none)') AS value, class, count(*) AS models
FROM latest_classes GROUP BY ALL
UNION ALL
SELECT method, 'pipeline_tag', coalesce(pipeline_tag, '(none)'), class, count(*)
FROM latest_classes GROUP BY ALL
UNION ALL
SELECT method, 'author', coalesce(author, '(none)'), class, count(*)
FROM latest_classes GROUP BY ALL;

-- How models moved between classes from each complete scan to the next one ('new' / 'deleted').
CREATE OR REPLACE VIEW class_transitions AS
WITH ordered AS (
    SELECT scan_id, lag(scan_id) OVER (ORDER BY snapshot_at, scan_id) AS previous_scan_id
    FROM scan_log WHERE status = 'complete'
), current_side AS (
    SELECT o.scan_id, o.previous_scan_id, a.method, a.model_id, a.class
    FROM ordered o JOIN model_classes a ON a.scan_id = o.scan_id
    WHERE o.previous_scan_id IS NOT NULL
), previous_side AS (
    SELECT o.scan_id, o.previous_scan_id, b.method, b.model_id, b.class
    FROM ordered o JOIN model_classes b ON b.scan_id = o.previous_scan_id
), pairs AS (
    SELECT coalesce(c.scan_id, p.scan_id) AS scan_id,
           coalesce(c.previous_scan_id, p.previous_scan_id) AS previous_scan_id,
           coalesce(c.method, p.method) AS method,
           coalesce(p.class, 'new') AS from_class, coalesce(c.class, 'deleted') AS to_class
    FROM current_side c
    FULL JOIN previous_side p ON c.scan_id = p.scan_id AND c.model_id = p.model_id AND c.method = p.method
)
SELECT scan_id, previous_scan_id, method, from_class, to_class, count(*) AS models
FROM pairs GROUP BY ALL;

-- Tags vs files, model by model (latest snapshot): the agreement matrix.
CREATE OR REPLACE VIEW method_agreement AS
SELECT f.class AS files_class, t.class AS tags_class, count(*) AS models
FROM latest_classes f JOIN latest_classes t ON t.model_id = f.model_id AND t.method = 'tags'
WHERE f.method = 'files'
GROUP BY ALL;

-- What `neither` is made of, per snapshot (files method).
-- Counted per run, then spread over the snapshots it spans (as `shares`).
CREATE OR REPLACE VIEW neither_over_time AS
WITH spans AS (
    SELECT m.first_position, m.last_position, c.neither_reason, count(*) AS models
    FROM run_spans m JOIN version_classes c USING (version_id)
    WHERE c.rules_version = (SELECT rules_version FROM current_rules) AND c.method = 'files' AND c.class = 'neither'
    GROUP BY ALL
)
SELECT s.scan_id, any_value(s.snapshot_at) AS snapshot_at, p.neither_reason, sum(p.models)::BIGINT AS models
FROM snapshot_order s JOIN spans p ON s.position >= p.first_position AND s.position <= p.last_position
GROUP BY s.scan_id, p.neither_reason;
