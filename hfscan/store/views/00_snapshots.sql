-- The public query surface for snapshots. Views, not tables, are what users query: the tables
-- behind them may change between schema versions, these columns do not.

-- Every scan, with its state. Only status = 'complete' scans are snapshots.
CREATE OR REPLACE VIEW scans AS
SELECT scan_id, kind, source, status, started_at, finished_at, snapshot_at,
       methods, pages, models, rejects, requests, high_water, base_scan_id, error, hfscan_version
FROM scan_log;

-- One row per model per complete scan: its metadata and file list as that scan saw them.
CREATE OR REPLACE VIEW snapshot_models AS
SELECT s.scan_id, s.snapshot_at, s.kind AS scan_kind,
       v.model_id, v.author, v.sha, v.created_at, v.last_modified,
       v.created_at = TIMESTAMP '2022-03-02 23:29:04' AS created_at_clamped,
       v.library_name, v.pipeline_tag, v.tags, v.files,
       len(v.files) AS file_count,
       m.downloads, m.downloads_all_time, m.likes,
       v.gated, v.private, v.disabled, v.safetensors_total, v.gguf,
       v.version_id
FROM scan_models m
JOIN scan_log s USING (scan_id)
JOIN repo_versions v USING (version_id)
WHERE s.status = 'complete';

-- The newest complete snapshot: the one describing the latest moment (snapshot_at), not the last
-- one stored, so a backfill of older dumps (`import`) never becomes "latest".
CREATE OR REPLACE VIEW latest_scan AS
SELECT scan_id, snapshot_at FROM scan_log WHERE status = 'complete'
ORDER BY snapshot_at DESC NULLS LAST, scan_id DESC LIMIT 1;

CREATE OR REPLACE VIEW latest_models AS
SELECT * FROM snapshot_models
WHERE scan_id = (SELECT scan_id FROM latest_scan);
