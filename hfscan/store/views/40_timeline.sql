-- The timeline (`hfscan timeline`): as-of shares by files, one row per day and class, as computed
-- from one snapshot at one rules version (docs/AS_OF.md). `share` is over models with PyTorch
-- and/or TensorFlow weights on the day (NULL for `neither`, counted beside them), a point
-- estimate with its 95% interval [share_low, share_high] (percent); `exact` (= `complete`) when
-- nothing is sampled or bounded. exact_models / sampled_models / bounded_models: the repos of each
-- part; sample_size: the fetched repos the sampled part is estimated from; source: history or
-- snapshot. Rows stored before the estimates (schema 9) have no interval: their share is over the
-- repos known then (NULL interval), exact only at coverage 1.
CREATE OR REPLACE VIEW as_of_shares AS
SELECT day, class, models,
       coalesce(share, CASE WHEN class <> 'neither' THEN round(100.0 * models / nullif(
           sum(models) FILTER (class <> 'neither') OVER (PARTITION BY day, rules_version, scan_id), 0), 2) END)
           AS share,
       share_low, share_high,
       models_low, models_high,
       sum(models) FILTER (class <> 'neither') OVER (PARTITION BY day, rules_version, scan_id) AS population,
       coverage, missing, coalesce(exact, coverage >= 1) AS complete, coalesce(exact, coverage >= 1) AS exact,
       exact_models, sampled_models, bounded_models, sample_size, coalesce(source, 'history') AS source,
       rules_version, scan_id, computed_at
FROM as_of_share_rows;
