-- The public query surface for snapshots. Views, not tables, are what users query: the tables
-- behind them may change between schema versions, these columns do not.

-- The one definition of the Hub's createdAt placeholder (docs/CREATION_DATES.md). Repos older
-- than March 2022 show the time of the 2022 bulk import as createdAt: 2022-03-02 23:29:04 or
-- 23:29:05 for models (other seconds for datasets and Spaces). The window takes the whole minute:
-- a repo really created in it costs one commit-log request and gets its first commit as creation
-- (right), while an import second outside the window would hide a repo from history (wrong).
-- The `_id` (a MongoDB ObjectId) carries the same time in its first 4 bytes: it recognises the
-- placeholder when a source has no usable createdAt.
CREATE OR REPLACE MACRO hub_id_time(id) AS
    CASE WHEN regexp_full_match(id, '[0-9a-fA-F]{24}')
         THEN make_timestamp(CAST('0x' || left(id, 8) AS BIGINT) * 1000000) END;
CREATE OR REPLACE MACRO in_import_window(t) AS
    t >= TIMESTAMP '2022-03-02 23:29:00' AND t < TIMESTAMP '2022-03-02 23:30:00';
-- Placeholder: either date in the window; unknown when neither date is known. The `_id` is decoded
-- only where its first 6 hex digits say the window (621ffdbc..621ffdf7 all begin 621ffd): CASE
-- evaluates each branch on the rows still undecided, so a row pays for the regexp only where it can
-- matter (a year of versions: 0.58 -> 0.05 CPU s; tests/store/test_placeholder.py pins it to the
-- plain formula).
CREATE OR REPLACE MACRO created_at_placeholder(created_at, hub_id) AS
    CASE WHEN created_at IS NULL AND hub_id_time(hub_id) IS NULL THEN NULL
         WHEN in_import_window(created_at) THEN true
         WHEN hub_id ILIKE '621ffd%' THEN coalesce(in_import_window(hub_id_time(hub_id)), false)
         ELSE false
    END;

-- Every scan, with its state. Only status = 'complete' scans are snapshots.
CREATE OR REPLACE VIEW scans AS
SELECT scan_id, kind, source, status, started_at, finished_at, snapshot_at,
       methods, pages, models, rejects, requests, high_water, base_scan_id, error, hfscan_version,
       coalesce(planted, false) AS planted
FROM scan_log;

-- The view snapshot_order (scan_id, snapshot_at, kind, position: 1 = the oldest complete scan) and
-- the macro open_position() (the end position of a run still listed) are made before this file by
-- store/schema.py install_views, from store/runs.py: the sequence is defined once.

-- Runs with the positions they span (the views below read it). Positions are stored with each run
-- (first_pos, last_pos; hfscan/store/runs.py keeps them when a snapshot lands between two others)
-- and the runs are laid out (runs.relayout) so that a filter on them skips whole row groups.
CREATE OR REPLACE VIEW run_spans AS
SELECT r.version_id, r.downloads, r.downloads_all_time, r.likes, r.first_pos AS first_position,
       r.last_pos AS last_position
FROM version_runs r;

-- One row per model per complete scan: its metadata and file list as that scan saw them.
-- The runs of each snapshot are a LATERAL subquery on its position: a filter on the snapshots
-- (scan_id = ..., a date range) reaches the runs' scan as the positions to read, so one snapshot
-- skips the row groups of runs outside it, as snapshot_at_position does (12 x 3M: 0.54 -> 0.35 CPU
-- s, against 0.29 before validity intervals). Every snapshot at once costs more than through a
-- plain join (1.67 -> 2.53 CPU s there, 1.33x the pre-interval read): the per-snapshot series
-- read the aggregates instead.
CREATE OR REPLACE VIEW snapshot_models AS
SELECT s.scan_id, s.snapshot_at, s.kind AS scan_kind,
       v.model_id, v.author, v.sha, v.created_at, v.last_modified,
       created_at_placeholder(v.created_at, v.hub_id) AS created_at_clamped,
       v.hub_id, hub_id_time(v.hub_id) AS hub_id_created_at,
       v.library_name, v.pipeline_tag, v.tags, v.files,
       len(v.files) AS file_count,
       m.downloads, m.downloads_all_time, m.likes,
       v.gated, v.private, v.disabled, v.safetensors_total, v.gguf,
       v.config_model_type, v.config_architectures,
       v.version_id
FROM snapshot_order s,
LATERAL (SELECT r.version_id, r.downloads, r.downloads_all_time, r.likes FROM version_runs r
         WHERE r.first_pos <= s.position AND r.last_pos >= s.position) m
JOIN repo_versions v USING (version_id);

-- One snapshot by its position in snapshot_order (a constant): the same rows and columns as
-- snapshot_models for that snapshot. With the position a constant, DuckDB filters the runs inside
-- the scan (first_pos <= p AND last_pos >= p, row groups skipped by their min/max) and builds the
-- join with repo_versions from those runs alone, without the view's LATERAL machinery.
CREATE OR REPLACE MACRO snapshot_at_position(p) AS TABLE
SELECT s.scan_id, s.snapshot_at, s.kind AS scan_kind,
       v.model_id, v.author, v.sha, v.created_at, v.last_modified,
       created_at_placeholder(v.created_at, v.hub_id) AS created_at_clamped,
       v.hub_id, hub_id_time(v.hub_id) AS hub_id_created_at,
       v.library_name, v.pipeline_tag, v.tags, v.files,
       len(v.files) AS file_count,
       m.downloads, m.downloads_all_time, m.likes,
       v.gated, v.private, v.disabled, v.safetensors_total, v.gguf,
       v.config_model_type, v.config_architectures,
       v.version_id
FROM (SELECT * FROM snapshot_order WHERE position = p) s
CROSS JOIN (SELECT * FROM version_runs WHERE first_pos <= p AND last_pos >= p) m
JOIN repo_versions v USING (version_id);

-- One snapshot by its scan id: `SELECT ... FROM snapshot_models_of(42)` reads what
-- `snapshot_models WHERE scan_id = 42` reads, as fast as snapshot_at_position (DuckDB evaluates the
-- position lookup once and filters the runs' scan with its value, skipping row groups); the view
-- skips the same row groups for `WHERE scan_id = 42`, through its LATERAL subquery. hfscan's own
-- one-snapshot readers go through it (store/runs.py snapshot_source).
CREATE OR REPLACE MACRO snapshot_models_of(id) AS TABLE
SELECT * FROM snapshot_at_position((SELECT position FROM snapshot_order WHERE scan_id = id));

-- The newest complete snapshot: the one describing the latest moment (snapshot_at), not the last
-- one stored, so a backfill of older dumps (`import`) never becomes "latest".
CREATE OR REPLACE VIEW latest_scan AS
SELECT scan_id, snapshot_at FROM scan_log WHERE status = 'complete'
ORDER BY snapshot_at DESC NULLS LAST, scan_id DESC LIMIT 1;

-- snapshot_models of the latest scan. Written out rather than filtered from snapshot_models: the
-- newest snapshot's members are exactly the open runs (to_scan NULL, hfscan/store/runs.py), a plain
-- filter instead of a join over every run (2.5x less CPU at 43 snapshots).
CREATE OR REPLACE VIEW latest_models AS
SELECT s.scan_id, s.snapshot_at, s.kind AS scan_kind,
       v.model_id, v.author, v.sha, v.created_at, v.last_modified,
       created_at_placeholder(v.created_at, v.hub_id) AS created_at_clamped,
       v.hub_id, hub_id_time(v.hub_id) AS hub_id_created_at,
       v.library_name, v.pipeline_tag, v.tags, v.files,
       len(v.files) AS file_count,
       m.downloads, m.downloads_all_time, m.likes,
       v.gated, v.private, v.disabled, v.safetensors_total, v.gguf,
       v.config_model_type, v.config_architectures,
       v.version_id
FROM (SELECT * FROM snapshot_order WHERE scan_id = (SELECT scan_id FROM latest_scan)) s
CROSS JOIN (SELECT * FROM version_runs WHERE to_scan IS NULL) m
JOIN repo_versions v USING (version_id);
