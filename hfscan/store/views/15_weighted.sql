-- Shares weighted by downloads, per snapshot and method: what the models people download can be
-- used with, over time (runs keep every snapshot's counters; hfscan/store/runs.py).
-- downloads_pct / downloads_all_time_pct: the class's share of the population's downloads
-- (population = pytorch_only + tensorflow_only + both, as in `shares`); NULL for neither.
CREATE OR REPLACE VIEW weighted_shares_by_snapshot AS
WITH spans AS (  -- per run first, then spread over the snapshots it spans (as `shares`)
    SELECT m.first_position, m.last_position, c.method, c.class, count(*) AS models,
           sum(m.downloads) AS downloads, sum(m.downloads_all_time) AS downloads_all_time
    FROM run_spans m JOIN current_classes c USING (version_id)
    GROUP BY ALL
), per_class AS (
    SELECT s.scan_id, any_value(s.snapshot_at) AS snapshot_at, p.method, p.class, sum(p.models)::BIGINT AS models,
           coalesce(sum(p.downloads), 0)::BIGINT AS downloads,
           coalesce(sum(p.downloads_all_time), 0)::BIGINT AS downloads_all_time
    FROM snapshot_order s JOIN spans p ON s.position >= p.first_position AND s.position <= p.last_position
    GROUP BY s.scan_id, p.method, p.class
)
SELECT scan_id, snapshot_at, method, class, models, downloads, downloads_all_time,
       CASE WHEN class <> 'neither' THEN round(100.0 * downloads / nullif(
           sum(downloads) FILTER (class <> 'neither') OVER (PARTITION BY scan_id, method), 0), 2) END AS downloads_pct,
       CASE WHEN class <> 'neither' THEN round(100.0 * downloads_all_time / nullif(
           sum(downloads_all_time) FILTER (class <> 'neither') OVER (PARTITION BY scan_id, method), 0), 2) END
           AS downloads_all_time_pct
FROM per_class
-- loadable only for snapshots whose scan asked for configs (as model_classes, shares)
WHERE method NOT LIKE 'loadable%'
   OR scan_id IN (SELECT scan_id FROM scan_log WHERE list_contains(methods, 'loadable'));
