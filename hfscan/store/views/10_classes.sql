-- Classes per model, per method, per snapshot (rules: hfscan/analysis/rules.py, the newest
-- rules_version stored). Methods: files (file names), tags (the Hub's own tags), header
-- (safetensors headers; only for probed versions).

-- The rules version every reader uses: the newest one stored (classify writes the running
-- hfscan's RULES_VERSION; older classes stay until replaced). One row.
CREATE OR REPLACE VIEW current_rules AS
SELECT max(rules_version) AS rules_version FROM version_classes;

CREATE OR REPLACE VIEW model_classes AS
SELECT m.scan_id, m.snapshot_at, m.model_id, m.author, m.created_at, m.created_at_clamped,
       m.library_name, m.pipeline_tag, m.downloads, m.downloads_all_time, m.likes,
       c.method, c.class, c.neither_reason, c.has_pt, c.has_tf, c.has_tf_strict, c.has_jax,
       c.pt_attributed, c.formats, c.rules_version, m.version_id
FROM snapshot_models m
JOIN version_classes c USING (version_id)
WHERE c.rules_version = (SELECT rules_version FROM current_rules);

-- model_classes of the latest snapshot, from latest_models (one snapshot's runs expanded, not all).
CREATE OR REPLACE VIEW latest_classes AS
SELECT m.scan_id, m.snapshot_at, m.model_id, m.author, m.created_at, m.created_at_clamped,
       m.library_name, m.pipeline_tag, m.downloads, m.downloads_all_time, m.likes,
       c.method, c.class, c.neither_reason, c.has_pt, c.has_tf, c.has_tf_strict, c.has_jax,
       c.pt_attributed, c.formats, c.rules_version, m.version_id
FROM latest_models m
JOIN version_classes c USING (version_id)
WHERE c.rules_version = (SELECT rules_version FROM current_rules);

-- Why a model is classified as it is: its matched weight files (and excluded side files) in the
-- latest snapshot.
CREATE OR REPLACE VIEW model_evidence AS
SELECT m.scan_id, m.model_id, e.path, e.format, e.resolved_format, e.family, e.rule, e.attributed
FROM latest_models m
JOIN file_evidence e USING (version_id)
WHERE e.rules_version = (SELECT rules_version FROM current_rules);

-- The headline per snapshot and method. population = pytorch_only + tensorflow_only + both (the
-- 85/8 denominator); neither is counted beside it, never inside it.
CREATE OR REPLACE VIEW shares AS
SELECT scan_id, any_value(snapshot_at) AS snapshot_at, method,
       count(*) AS models,
       count(*) FILTER (class = 'pytorch_only') AS pytorch_only,
       count(*) FILTER (class = 'tensorflow_only') AS tensorflow_only,
       count(*) FILTER (class = 'both') AS both,
       count(*) FILTER (class = 'neither') AS neither,
       count(*) FILTER (class <> 'neither') AS population,
       round(100.0 * count(*) FILTER (class = 'pytorch_only') / nullif(count(*) FILTER (class <> 'neither'), 0), 2)
           AS pytorch_only_pct,
       round(100.0 * count(*) FILTER (class = 'tensorflow_only') / nullif(count(*) FILTER (class <> 'neither'), 0), 2)
           AS tensorflow_only_pct,
       round(100.0 * count(*) FILTER (class = 'both') / nullif(count(*) FILTER (class <> 'neither'), 0), 2)
           AS both_pct,
       count(*) FILTER (pt_attributed) AS pt_attributed
FROM model_classes
GROUP BY scan_id, method;
