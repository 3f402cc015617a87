-- Classes per model, per method, per snapshot (rules: hfscan/classify/rules.py, the newest
-- rules_version stored). Methods: files (file names), tags (the Hub's own tags), header
-- (safetensors headers; only for probed versions).

-- The rules version every reader uses: the newest one stored (classify writes the running
-- hfscan's RULES_VERSION; older classes stay until replaced). One row.
CREATE OR REPLACE VIEW current_rules AS
SELECT max(rules_version) AS rules_version FROM version_classes;

-- Staleness (docs/ARCHITECTURE.md): a class row records what it was computed from; it is current
-- while those inputs are still the stored ones. header reads the version's probes; loadable reads
-- probes, the config and the framework table; files and tags read only the version row (fixed).
-- `probes` / `config` are the version's version_inputs values, `framework` the current revision.
-- classify (classify/versions.py) recomputes exactly the rows this macro calls stale.
CREATE OR REPLACE MACRO class_is_current(method, input_probes, input_config, input_framework,
                                         probes, config, framework) AS
    CASE WHEN method = 'header' THEN input_probes IS NOT DISTINCT FROM probes
         WHEN method LIKE 'loadable%' THEN input_probes IS NOT DISTINCT FROM probes
              AND input_config IS NOT DISTINCT FROM config AND input_framework IS NOT DISTINCT FROM framework
         ELSE true END;

-- The classes every reader uses: the current rules, stale rows left out (until classify
-- recomputes them, a version has no current class for that method rather than a wrong one).
CREATE OR REPLACE VIEW current_classes AS
SELECT c.* FROM version_classes c LEFT JOIN version_inputs i USING (version_id)
WHERE c.rules_version = (SELECT rules_version FROM current_rules)
  AND class_is_current(c.method, c.input_probes, c.input_config, c.input_framework, i.probes, i.config,
                       (SELECT value FROM meta WHERE key = 'framework_revision'));

-- Loading paths that need an opt-in argument to from_pretrained (from_pt=True, ...); the same
-- list as the `opt_in` of rules.LOADING_PATHS (a test pins the two together).
CREATE OR REPLACE MACRO path_needs_opt_in(path) AS
    path IN ('pt_from_tf', 'pt_from_flax', 'tf_from_pt', 'flax_from_pt');

-- Methods loadable / loadable_v5 (docs/LOADABLE.md) also say which path loads the model from each
-- framework (pt_path, tf_path, jax_path; NULL for the other methods) and what decided (basis:
-- transformers, or files:<library>). They are shown only for snapshots whose scan asked the listing
-- for `config` ('loadable' in scans.methods): elsewhere the config is not known.
CREATE OR REPLACE VIEW model_classes AS
SELECT m.scan_id, m.snapshot_at, m.model_id, m.author, m.created_at, m.created_at_clamped,
       m.library_name, m.pipeline_tag, m.downloads, m.downloads_all_time, m.likes,
       c.method, c.class, c.neither_reason, c.has_pt, c.has_tf, c.has_tf_strict, c.has_jax,
       c.pt_attributed, c.formats, c.rules_version, m.version_id,
       c.pt_path, c.tf_path, c.jax_path, c.basis, m.config_model_type
FROM snapshot_models m
JOIN current_classes c USING (version_id)
JOIN scan_log s USING (scan_id)
WHERE (c.method NOT LIKE 'loadable%' OR list_contains(s.methods, 'loadable'));

-- model_classes of the latest snapshot, from latest_models (one snapshot's runs expanded, not all).
CREATE OR REPLACE VIEW latest_classes AS
SELECT m.scan_id, m.snapshot_at, m.model_id, m.author, m.created_at, m.created_at_clamped,
       m.library_name, m.pipeline_tag, m.downloads, m.downloads_all_time, m.likes,
       c.method, c.class, c.neither_reason, c.has_pt, c.has_tf, c.has_tf_strict, c.has_jax,
       c.pt_attributed, c.formats, c.rules_version, m.version_id,
       c.pt_path, c.tf_path, c.jax_path, c.basis, m.config_model_type
FROM latest_models m
JOIN current_classes c USING (version_id)
JOIN scan_log s USING (scan_id)
WHERE (c.method NOT LIKE 'loadable%' OR list_contains(s.methods, 'loadable'));

-- Why a model is classified as it is: its matched weight files (and excluded side files) in the
-- latest snapshot.
CREATE OR REPLACE VIEW model_evidence AS
SELECT m.scan_id, m.model_id, e.path, e.format, e.resolved_format, e.family, e.rule, e.attributed
FROM latest_models m
JOIN file_evidence e USING (version_id)
WHERE e.rules_version = (SELECT rules_version FROM current_rules);

-- The headline per snapshot and method. population = pytorch_only + tensorflow_only + both (the
-- 85/8 denominator); neither is counted beside it, never inside it.
-- Counted per run first (a run's models are the same in every snapshot it spans), then spread over
-- the snapshots: the work grows with the runs stored, not with snapshots x models.
CREATE OR REPLACE VIEW shares AS
WITH spans AS (
    SELECT m.first_position, m.last_position, c.method,
           count(*) AS models,
           count(*) FILTER (c.class = 'pytorch_only') AS pytorch_only,
           count(*) FILTER (c.class = 'tensorflow_only') AS tensorflow_only,
           count(*) FILTER (c.class = 'both') AS "both",
           count(*) FILTER (c.class = 'neither') AS neither,
           count(*) FILTER (c.class <> 'neither') AS population,
           count(*) FILTER (c.pt_attributed) AS pt_attributed
    FROM run_spans m JOIN current_classes c USING (version_id)
    GROUP BY ALL
), counts AS (
    SELECT s.scan_id, any_value(s.snapshot_at) AS snapshot_at, p.method,
           sum(p.models)::BIGINT AS models, sum(p.pytorch_only)::BIGINT AS pytorch_only,
           sum(p.tensorflow_only)::BIGINT AS tensorflow_only, sum(p."both")::BIGINT AS "both",
           sum(p.neither)::BIGINT AS neither, sum(p.population)::BIGINT AS population,
           sum(p.pt_attributed)::BIGINT AS pt_attributed
    FROM snapshot_order s JOIN spans p ON s.position >= p.first_position AND s.position <= p.last_position
    GROUP BY s.scan_id, p.method
)
SELECT scan_id, snapshot_at, method, models, pytorch_only, tensorflow_only, "both", neither, population,
       round(100.0 * pytorch_only / nullif(population, 0), 2) AS pytorch_only_pct,
       round(100.0 * tensorflow_only / nullif(population, 0), 2) AS tensorflow_only_pct,
       round(100.0 * "both" / nullif(population, 0), 2) AS both_pct,
       pt_attributed
FROM counts
-- loadable only for snapshots whose scan asked for configs (as model_classes)
WHERE method NOT LIKE 'loadable%'
   OR scan_id IN (SELECT scan_id FROM scan_log WHERE list_contains(methods, 'loadable'));
