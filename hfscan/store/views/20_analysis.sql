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
-- The cohort of a creation date (also the per-snapshot aggregates' cohorts, store/aggregates.py).
CREATE OR REPLACE MACRO cohort_of(created_at_best) AS
    CASE WHEN created_at_best IS NULL THEN 'before 2022-03 (date unknown)'
         ELSE strftime(created_at_best, '%Y') || '-Q' || quarter(created_at_best) END;
CREATE OR REPLACE VIEW cohort_shares AS
SELECT c.method, cohort_of(t.created_at_best) AS cohort,
       count(*) AS models,
       count(*) FILTER (c.class = 'pytorch_only') AS pytorch_only,
       count(*) FILTER (c.class = 'tensorflow_only') AS tensorflow_only,
       count(*) FILTER (c.class = 'both') AS both,
       count(*) FILTER (c.class = 'neither') AS neither,
       count(*) FILTER (c.class <> 'neither') AS population
FROM latest_classes c JOIN model_created t USING (model_id)
GROUP BY ALL;

-- The most downloaded models of the latest snapshot with their class (files and tags methods).
-- Ranked on narrow rows (no file lists, no second expansion of the latest snapshot); the rest is
-- joined by version after the rank, so `WHERE rank <= N` is applied before those joins.
CREATE OR REPLACE VIEW top_models AS
WITH files AS (
    SELECT m.version_id, m.model_id, m.downloads, m.library_name, c.class
    FROM latest_models m
    JOIN version_classes c ON c.version_id = m.version_id AND c.method = 'files'
     AND c.rules_version = (SELECT rules_version FROM current_rules)
), ranked AS (
    SELECT *, rank() OVER (ORDER BY downloads DESC NULLS LAST, model_id) AS rank FROM files
)
SELECT r.rank, r.model_id, r.downloads, r.library_name, r.class AS files_class, t.class AS tags_class, f.formats
FROM ranked r
JOIN version_classes f ON f.version_id = r.version_id AND f.method = 'files'
 AND f.rules_version = (SELECT rules_version FROM current_rules)
LEFT JOIN version_classes t ON t.version_id = r.version_id AND t.method = 'tags'
 AND t.rules_version = (SELECT rules_version FROM current_rules);

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
    SELECT scan_id, lag(scan_id) OVER (ORDER BY position) AS previous_scan_id FROM snapshot_order
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
-- The newest snapshot's members are its open runs (as latest_models); a model has one version in a
-- snapshot, so the two classes pair by version_id: no model rows are built (12 x 3M: 4.2 -> 1.5 CPU s).
-- Each side keeps only the members' classes before the two meet: joined as plain tables, DuckDB paired
-- the two methods' classes of every stored version first, a cost that grew with the history (a year
-- of dailies at 300k models, 1.4M versions: 1.35 -> 0.32 CPU s).
CREATE OR REPLACE VIEW method_agreement AS
WITH m AS MATERIALIZED (SELECT version_id FROM version_runs WHERE to_scan IS NULL),
f AS (SELECT version_id, class FROM current_classes
      WHERE method = 'files' AND version_id IN (SELECT version_id FROM m)),
t AS (SELECT version_id, class FROM current_classes
      WHERE method = 'tags' AND version_id IN (SELECT version_id FROM m))
SELECT f.class AS files_class, t.class AS tags_class, count(*) AS models
FROM f JOIN t USING (version_id)
GROUP BY ALL;

-- Files vs loadable (transformers 4.57 and 5), model by model (latest snapshot).
CREATE OR REPLACE VIEW loadable_agreement AS
SELECT l.method AS loadable_method, f.class AS files_class, l.class AS loadable_class, count(*) AS models
FROM latest_classes f JOIN latest_classes l ON l.model_id = f.model_id AND l.method LIKE 'loadable%'
WHERE f.method = 'files'
GROUP BY ALL;

-- "Has TF weights" (files method) against "loadable from TF through transformers" (4.57; v5: none),
-- per snapshot (repos of other libraries, e.g. Keras, count in the weights columns only):
-- loadable directly, or only with an opt-in (from_pt=True). Same for PyTorch and Flax (JAX).
CREATE OR REPLACE VIEW weights_vs_loadable AS
-- Counted per version, then per run, then spread over the snapshots each run spans (as `shares`):
-- three joins of model_classes would expand every snapshot three times (12 x 3M: out of memory).
WITH per_version AS (
    SELECT version_id,
           bool_or(method = 'files' AND has_tf) AS tf_weights,
           bool_or(method = 'files' AND has_pt) AS pt_weights,
           bool_or(method = 'files' AND has_jax) AS jax_weights,
           any_value(tf_path) FILTER (method = 'loadable') AS tf_path,
           any_value(pt_path) FILTER (method = 'loadable') AS pt_path,
           any_value(jax_path) FILTER (method = 'loadable') AS jax_path,
           any_value(tf_path) FILTER (method = 'loadable_v5') AS tf_path_v5
    FROM current_classes
    WHERE method IN ('files', 'loadable', 'loadable_v5')
    GROUP BY version_id
    HAVING count(*) FILTER (method = 'files') > 0 AND count(*) FILTER (method = 'loadable') > 0
       AND count(*) FILTER (method = 'loadable_v5') > 0
), spans AS (
    SELECT m.first_position, m.last_position, count(*) AS models,
           count(*) FILTER (v.tf_weights) AS tf_weights,
           count(*) FILTER (v.tf_path IS NOT NULL) AS tf_loadable,
           count(*) FILTER (v.tf_path IS NOT NULL AND NOT path_needs_opt_in(v.tf_path)) AS tf_loadable_direct,
           count(*) FILTER (path_needs_opt_in(v.tf_path)) AS tf_loadable_opt_in,
           count(*) FILTER (v.pt_weights) AS pt_weights,
           count(*) FILTER (v.pt_path IS NOT NULL) AS pt_loadable,
           count(*) FILTER (v.jax_weights) AS jax_weights,
           count(*) FILTER (v.jax_path IS NOT NULL) AS jax_loadable,
           count(*) FILTER (v.tf_path_v5 IS NOT NULL) AS tf_loadable_v5
    FROM run_spans m JOIN per_version v USING (version_id)
    GROUP BY ALL
)
SELECT s.scan_id, any_value(s.snapshot_at) AS snapshot_at, sum(p.models)::BIGINT AS models,
       sum(p.tf_weights)::BIGINT AS tf_weights, sum(p.tf_loadable)::BIGINT AS tf_loadable,
       sum(p.tf_loadable_direct)::BIGINT AS tf_loadable_direct,
       sum(p.tf_loadable_opt_in)::BIGINT AS tf_loadable_opt_in,
       sum(p.pt_weights)::BIGINT AS pt_weights, sum(p.pt_loadable)::BIGINT AS pt_loadable,
       sum(p.jax_weights)::BIGINT AS jax_weights, sum(p.jax_loadable)::BIGINT AS jax_loadable,
       sum(p.tf_loadable_v5)::BIGINT AS tf_loadable_v5
FROM snapshot_order s
JOIN spans p ON s.position >= p.first_position AND s.position <= p.last_position
JOIN scan_log l ON l.scan_id = s.scan_id AND list_contains(l.methods, 'loadable')
GROUP BY s.scan_id;

-- What `neither` is made of, per snapshot (files method).
-- Counted per run, then spread over the snapshots it spans (as `shares`).
CREATE OR REPLACE VIEW neither_over_time AS
WITH spans AS (
    SELECT m.first_position, m.last_position, c.neither_reason, count(*) AS models
    FROM run_spans m JOIN current_classes c USING (version_id)
    WHERE c.method = 'files' AND c.class = 'neither'
    GROUP BY ALL
)
SELECT s.scan_id, any_value(s.snapshot_at) AS snapshot_at, p.neither_reason, sum(p.models)::BIGINT AS models
FROM snapshot_order s JOIN spans p ON s.position >= p.first_position AND s.position <= p.last_position
GROUP BY s.scan_id, p.neither_reason;
