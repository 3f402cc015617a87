-- Aggregates per snapshot (hfscan/store/aggregates.py; tables snapshot_*): the per-snapshot time
-- series read from a few rows per snapshot instead of every run. A snapshot's aggregates are
-- current while their valid_seq equals the input counter (meta.input_seq): every change to what
-- they count takes a new value, and classify re-stamps or recomputes them. Readers use these views
-- only when every snapshot they need is current (else the views over the runs, same columns).

CREATE OR REPLACE VIEW current_aggregates AS
SELECT s.scan_id, s.models FROM snapshot_aggregate_state s JOIN scan_log l USING (scan_id)
WHERE l.status = 'complete'
  AND s.valid_seq = (SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'input_seq')
  AND s.rules_version IS NOT DISTINCT FROM (SELECT rules_version FROM current_rules);

-- `shares`, from the aggregates.
CREATE OR REPLACE VIEW aggregate_shares AS
WITH counts AS (
    SELECT a.scan_id, o.snapshot_at, a.method,
           sum(a.models)::BIGINT AS models,
           (sum(a.models) FILTER (a.class = 'pytorch_only'))::BIGINT AS pytorch_only,
           (sum(a.models) FILTER (a.class = 'tensorflow_only'))::BIGINT AS tensorflow_only,
           (sum(a.models) FILTER (a.class = 'both'))::BIGINT AS "both",
           (sum(a.models) FILTER (a.class = 'neither'))::BIGINT AS neither,
           (sum(a.models) FILTER (a.class <> 'neither'))::BIGINT AS population,
           (sum(a.models) FILTER (a.pt_attributed))::BIGINT AS pt_attributed
    FROM snapshot_class_counts a JOIN scan_log o USING (scan_id)
    GROUP BY a.scan_id, o.snapshot_at, a.method
)
SELECT scan_id, snapshot_at, method, models, coalesce(pytorch_only, 0) AS pytorch_only,
       coalesce(tensorflow_only, 0) AS tensorflow_only, coalesce("both", 0) AS "both",
       coalesce(neither, 0) AS neither, coalesce(population, 0) AS population,
       round(100.0 * coalesce(pytorch_only, 0) / nullif(population, 0), 2) AS pytorch_only_pct,
       round(100.0 * coalesce(tensorflow_only, 0) / nullif(population, 0), 2) AS tensorflow_only_pct,
       round(100.0 * coalesce("both", 0) / nullif(population, 0), 2) AS both_pct,
       coalesce(pt_attributed, 0) AS pt_attributed
FROM counts;

-- `weighted_shares_by_snapshot`, from the aggregates.
CREATE OR REPLACE VIEW aggregate_weighted_shares_by_snapshot AS
WITH per_class AS (
    SELECT a.scan_id, o.snapshot_at, a.method, a.class, sum(a.models)::BIGINT AS models,
           coalesce(sum(a.downloads), 0)::BIGINT AS downloads,
           coalesce(sum(a.downloads_all_time), 0)::BIGINT AS downloads_all_time
    FROM snapshot_class_counts a JOIN scan_log o USING (scan_id)
    GROUP BY a.scan_id, o.snapshot_at, a.method, a.class
)
SELECT scan_id, snapshot_at, method, class, models, downloads, downloads_all_time,
       CASE WHEN class <> 'neither' THEN round(100.0 * downloads / nullif(
           sum(downloads) FILTER (class <> 'neither') OVER (PARTITION BY scan_id, method), 0), 2) END AS downloads_pct,
       CASE WHEN class <> 'neither' THEN round(100.0 * downloads_all_time / nullif(
           sum(downloads_all_time) FILTER (class <> 'neither') OVER (PARTITION BY scan_id, method), 0), 2) END
           AS downloads_all_time_pct
FROM per_class;

-- `neither_over_time`, from the aggregates.
CREATE OR REPLACE VIEW aggregate_neither_over_time AS
SELECT a.scan_id, o.snapshot_at, a.neither_reason, sum(a.models)::BIGINT AS models
FROM snapshot_class_counts a JOIN scan_log o USING (scan_id)
WHERE a.method = 'files' AND a.class = 'neither'
GROUP BY a.scan_id, o.snapshot_at, a.neither_reason;

-- `weights_vs_loadable`, from the aggregates.
CREATE OR REPLACE VIEW aggregate_weights_vs_loadable AS
SELECT a.scan_id, o.snapshot_at, a.* EXCLUDE (scan_id)
FROM snapshot_weights_loadable a JOIN scan_log o USING (scan_id);

-- `cohort_shares` and `breakdown_shares` per snapshot (breakdowns: the top values of each dimension).
CREATE OR REPLACE VIEW aggregate_cohort_shares AS
SELECT scan_id, method, value AS cohort, sum(models)::BIGINT AS models,
       coalesce(sum(models) FILTER (class = 'pytorch_only'), 0)::BIGINT AS pytorch_only,
       coalesce(sum(models) FILTER (class = 'tensorflow_only'), 0)::BIGINT AS tensorflow_only,
       coalesce(sum(models) FILTER (class = 'both'), 0)::BIGINT AS both,
       coalesce(sum(models) FILTER (class = 'neither'), 0)::BIGINT AS neither,
       coalesce(sum(models) FILTER (class <> 'neither'), 0)::BIGINT AS population
FROM snapshot_breakdowns WHERE dimension = 'cohort'
GROUP BY scan_id, method, value;
