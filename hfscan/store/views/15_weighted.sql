-- Shares weighted by downloads, per snapshot and method: what the models people download can be
-- used with, over time (runs keep every snapshot's counters; hfscan/store/runs.py).
-- downloads_pct / downloads_all_time_pct: the class's share of the population's downloads
-- (population = pytorch_only + tensorflow_only + both, as in `shares`); NULL for neither.
CREATE OR REPLACE VIEW weighted_shares_by_snapshot AS
WITH per_class AS (
    SELECT scan_id, any_value(snapshot_at) AS snapshot_at, method, class, count(*) AS models,
           coalesce(sum(downloads), 0) AS downloads, coalesce(sum(downloads_all_time), 0) AS downloads_all_time
    FROM model_classes GROUP BY scan_id, method, class
)
SELECT scan_id, snapshot_at, method, class, models, downloads, downloads_all_time,
       CASE WHEN class <> 'neither' THEN round(100.0 * downloads / nullif(
           sum(downloads) FILTER (class <> 'neither') OVER (PARTITION BY scan_id, method), 0), 2) END AS downloads_pct,
       CASE WHEN class <> 'neither' THEN round(100.0 * downloads_all_time / nullif(
           sum(downloads_all_time) FILTER (class <> 'neither') OVER (PARTITION BY scan_id, method), 0), 2) END
           AS downloads_all_time_pct
FROM per_class;
