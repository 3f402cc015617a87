-- The timeline (`hfscan timeline`): as-of shares by files, one row per day and class, as computed
-- from one snapshot at one rules version. `share` is over models with PyTorch and/or TensorFlow
-- weights on the day (NULL for `neither`, counted beside them); `complete` is coverage = 1: a
-- partial day (`timeline --partial`) counts only the repos known on it and says so.
CREATE OR REPLACE VIEW as_of_shares AS
SELECT day, class, models,
       CASE WHEN class <> 'neither' THEN round(100.0 * models / nullif(
           sum(models) FILTER (class <> 'neither') OVER (PARTITION BY day, rules_version, scan_id), 0), 2)
       END AS share,
       sum(models) FILTER (class <> 'neither') OVER (PARTITION BY day, rules_version, scan_id) AS population,
       coverage, missing, coverage >= 1 AS complete, rules_version, scan_id, computed_at
FROM as_of_share_rows;
