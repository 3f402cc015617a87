"""Schema migrations for the main database, applied one step at a time on open.

Each step runs in its own transaction and is recorded in ``schema_migrations``; a database whose
recorded version is newer than this hfscan knows is refused (never "migrated down"). Views are not
migrations: they are recreated from ``views/*.sql`` on every writable open, so they always match the
code that reads them.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

import duckdb

from hfscan.errors import StoreError
from hfscan.model_row import SHA_HASH
from hfscan.store.db_errors import DbFailure, attempt
from hfscan.store.rows import first_row, one_row  # noqa: F401 (one home in rows.py; imported from here too)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT, or ROLLBACK on any failure without masking it: after a failed write (disk
    full, file too large) DuckDB may already have aborted the transaction, and the rollback's own
    "no transaction is active" would otherwise replace the reason the user needs to see."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise


Migration = tuple[int, str, str]

MIGRATIONS: list[Migration] = [
    (
        1,
        "scans, repo versions stored once, scan membership, rejects, classification, probes",
        """
        CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
        CREATE SEQUENCE scan_id_seq START 1;
        CREATE TABLE scan_log (
            scan_id INTEGER PRIMARY KEY,
            kind VARCHAR NOT NULL,              -- full | incremental | import
            source VARCHAR NOT NULL,            -- endpoint URL, or import source
            status VARCHAR NOT NULL,            -- running | complete | failed | discarded
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            snapshot_at TIMESTAMP,              -- the moment the snapshot describes
            methods VARCHAR[],                  -- methods its data allows: files, tags
            pages INTEGER DEFAULT 0,
            models BIGINT DEFAULT 0,
            rejects BIGINT DEFAULT 0,
            requests BIGINT DEFAULT 0,
            high_water TIMESTAMP,               -- max lastModified seen
            base_scan_id INTEGER,               -- incremental: the scan carried forward
            error VARCHAR,
            hfscan_version VARCHAR
        );
        -- version_id is an ordinal (compresses to a few bits per membership row when sorted);
        -- version_hash identifies the content: md5 of model id + sha (or of the content, no sha).
        CREATE SEQUENCE version_id_seq START 1;
        CREATE TABLE repo_versions (
            version_id BIGINT NOT NULL DEFAULT nextval('version_id_seq'),
            version_hash UBIGINT NOT NULL,
            model_id VARCHAR NOT NULL,
            hub_id VARCHAR,
            sha VARCHAR,
            author VARCHAR,
            created_at TIMESTAMP,
            last_modified TIMESTAMP,
            library_name VARCHAR,
            pipeline_tag VARCHAR,
            tags VARCHAR[],
            files VARCHAR[],
            gated VARCHAR,
            private BOOLEAN,
            disabled BOOLEAN,
            safetensors_total BIGINT,
            gguf JSON,
            first_scan_id INTEGER
        );
        CREATE TABLE scan_models (
            scan_id INTEGER NOT NULL,
            version_id BIGINT NOT NULL,
            downloads BIGINT,
            downloads_all_time BIGINT,
            likes BIGINT
        );
        CREATE TABLE rejects (scan_id INTEGER, page INTEGER, reason VARCHAR, raw VARCHAR);
        CREATE TABLE version_classes (
            version_id BIGINT NOT NULL,
            rules_version INTEGER NOT NULL,
            method VARCHAR NOT NULL,
            has_pt BOOLEAN,
            has_tf BOOLEAN,
            has_tf_strict BOOLEAN,
            has_jax BOOLEAN,
            class VARCHAR,
            neither_reason VARCHAR,
            pt_attributed BOOLEAN,
            formats VARCHAR[]
        );
        CREATE TABLE file_evidence (
            version_id BIGINT NOT NULL,
            rules_version INTEGER NOT NULL,
            path VARCHAR,
            format VARCHAR,
            resolved_format VARCHAR,
            family VARCHAR,
            rule VARCHAR,
            attributed BOOLEAN
        );
        CREATE TABLE header_probes (
            model_id VARCHAR NOT NULL,
            sha VARCHAR NOT NULL,
            path VARCHAR NOT NULL,
            format VARCHAR,
            status VARCHAR NOT NULL,            -- ok | no_metadata | error
            error VARCHAR,
            probed_at TIMESTAMP
        );
        """,
    ),
    (
        2,
        "history: commit logs, fetch status per repo",
        """
        -- One row per commit of a repo whose history was fetched (hfscan history).
        CREATE TABLE commits (
            model_id VARCHAR NOT NULL,
            commit_id VARCHAR NOT NULL,
            date TIMESTAMP,
            title VARCHAR,
            authors VARCHAR[],
            is_bot BOOLEAN,                     -- conversion bot or other automated commit
            position INTEGER                    -- 0 = the first commit
        );
        -- Per repo: the sha whose history is stored, or why it could not be fetched.
        CREATE TABLE history_status (
            model_id VARCHAR PRIMARY KEY,
            sha VARCHAR,
            status VARCHAR NOT NULL,            -- ok | gone | gated | disabled (final) | error (retried)
            reason VARCHAR,
            commits INTEGER,
            first_commit_at TIMESTAMP,
            fetched_at TIMESTAMP
        );
        """,
    ),
    (
        3,
        "history: why a tree at a commit is missing",
        """
        -- One row per (repo, commit) whose file list could not be fetched; deleted once it is.
        -- A later `hfscan history --as-of` fetches it again (trees not stored are always wanted).
        CREATE TABLE tree_status (
            model_id VARCHAR NOT NULL,
            commit_id VARCHAR NOT NULL,
            status VARCHAR NOT NULL,            -- gone | gated | disabled | error
            reason VARCHAR,
            attempted_at TIMESTAMP,
            PRIMARY KEY (model_id, commit_id)
        );
        """,
    ),
    (
        4,
        "timeline: as-of shares per date, class, rules version and snapshot",
        """
        -- One row per (day, class) of an `hfscan timeline` run, read through the view as_of_shares.
        -- Rows of a day with coverage < 1 are partial (`timeline --partial`): stored as such, never
        -- drawn as complete. A recomputation replaces the rows of its (day, rules_version, scan_id).
        CREATE TABLE as_of_share_rows (
            day DATE NOT NULL,
            class VARCHAR NOT NULL,             -- pytorch_only | tensorflow_only | both | neither
            models BIGINT NOT NULL,             -- repos of that class known to exist on the day
            coverage DOUBLE NOT NULL,           -- known / (known + unknown) repos; 1.0 = exact
            missing BIGINT NOT NULL,            -- repos unknown on the day (not counted)
            rules_version INTEGER NOT NULL,
            scan_id INTEGER NOT NULL,           -- the latest snapshot the day was computed from
            computed_at TIMESTAMP NOT NULL
        );
        """,
    ),
]

# Schema v5: scan membership and counters as runs over the sequence of complete snapshots
# (hfscan/store/runs.py). The migration turns every scan_models row of a complete scan into runs:
# consecutive snapshots (by snapshot_at, then scan_id) in which a version is listed with the same
# counters form one run; a run reaching the newest snapshot stays open. Rows of scans that are not
# complete were never visible and are dropped with the table.
MIGRATIONS.append((
    5,
    "snapshots as validity intervals: version_runs replaces scan_models",
    """
    CREATE TABLE version_runs (
        version_id BIGINT NOT NULL,
        from_scan INTEGER NOT NULL,         -- first snapshot of the run
        to_scan INTEGER,                    -- last snapshot of the run; NULL while still listed
        downloads BIGINT,
        downloads_all_time BIGINT,
        likes BIGINT
    );
    INSERT INTO version_runs
    WITH o AS (
        SELECT scan_id, row_number() OVER (ORDER BY snapshot_at, scan_id) AS pos
        FROM scan_log WHERE status = 'complete'
    ), m AS (
        SELECT s.version_id, o.pos, s.scan_id, s.downloads, s.downloads_all_time, s.likes
        FROM scan_models s JOIN o USING (scan_id)
    ), flagged AS (
        SELECT *, CASE WHEN lag(pos) OVER w = pos - 1
                        AND lag(downloads) OVER w IS NOT DISTINCT FROM downloads
                        AND lag(downloads_all_time) OVER w IS NOT DISTINCT FROM downloads_all_time
                        AND lag(likes) OVER w IS NOT DISTINCT FROM likes THEN 0 ELSE 1 END AS starts
        FROM m WINDOW w AS (PARTITION BY version_id ORDER BY pos)
    ), grouped AS (
        SELECT *, sum(starts) OVER (PARTITION BY version_id ORDER BY pos ROWS UNBOUNDED PRECEDING) AS run
        FROM flagged
    )
    SELECT version_id, arg_min(scan_id, pos),
           CASE WHEN max(pos) = (SELECT max(pos) FROM o) THEN NULL ELSE arg_max(scan_id, pos) END,
           any_value(downloads), any_value(downloads_all_time), any_value(likes)
    FROM grouped GROUP BY version_id, run
    ORDER BY min(pos), version_id;
    DROP TABLE scan_models;
    """,
))

# Config fields of the model row (model_row.py) and the card data imports keep on request.
# Steps from here on are idempotent (IF NOT EXISTS): tests that build a database at an older
# version run them ahead, so that today's classify and views work on it (tests/store/test_runs.py).
MIGRATIONS.append((
    6,
    "config model type and architectures; card data of imports kept on request",
    """
    ALTER TABLE repo_versions ADD COLUMN IF NOT EXISTS config_model_type VARCHAR;
    ALTER TABLE repo_versions ADD COLUMN IF NOT EXISTS config_architectures VARCHAR[];
    -- cardData of imported dumps: free text written by users, stored only with --keep-card-data.
    CREATE TABLE IF NOT EXISTS version_card_data (
        version_id BIGINT PRIMARY KEY,
        card_data VARCHAR
    );
    """,
))

# Method loadable (docs/LOADABLE.md): loading paths per class, the framework tables.
MIGRATIONS.append((
    7,
    "loadable: loading paths per class, framework tables",
    """
    -- Method loadable: the path that loads the model in each framework (rules.LOADING_PATHS)
    -- and what decided it (transformers, or the files method for another library).
    ALTER TABLE version_classes ADD COLUMN IF NOT EXISTS pt_path VARCHAR;
    ALTER TABLE version_classes ADD COLUMN IF NOT EXISTS tf_path VARCHAR;
    ALTER TABLE version_classes ADD COLUMN IF NOT EXISTS jax_path VARCHAR;
    ALTER TABLE version_classes ADD COLUMN IF NOT EXISTS basis VARCHAR;
    -- Which frameworks have a class per transformers model type: `frameworks.json` of the
    -- huggingface/transformers-metadata dataset at one revision, or the vendored default.
    CREATE TABLE IF NOT EXISTS framework_tables (
        revision VARCHAR NOT NULL,          -- dataset commit sha, or 'transformers==X (vendored)'
        revision_date TIMESTAMP,            -- the commit's date (NULL: vendored)
        source VARCHAR NOT NULL,            -- dataset id and endpoint, or the vendored file
        model_type VARCHAR NOT NULL,
        pytorch BOOLEAN NOT NULL,
        tensorflow BOOLEAN NOT NULL,
        flax BOOLEAN NOT NULL,
        processor VARCHAR,
        loaded_at TIMESTAMP
    );
    """,
))

# As-of estimates (docs/AS_OF.md): the timeline's rows carry the point estimate, its 95% interval
# and the size of each part (exact, sampled, bounded). Rows stored before keep NULLs there and
# read as before (their `models` were counts over the known repos).
MIGRATIONS.append((
    8,
    "as-of estimates: intervals and parts in as_of_share_rows",
    """
    ALTER TABLE as_of_share_rows ADD COLUMN IF NOT EXISTS share DOUBLE;        -- % (NULL for neither)
    ALTER TABLE as_of_share_rows ADD COLUMN IF NOT EXISTS share_low DOUBLE;    -- 95% interval, %
    ALTER TABLE as_of_share_rows ADD COLUMN IF NOT EXISTS share_high DOUBLE;
    ALTER TABLE as_of_share_rows ADD COLUMN IF NOT EXISTS models_low BIGINT;
    ALTER TABLE as_of_share_rows ADD COLUMN IF NOT EXISTS models_high BIGINT;
    ALTER TABLE as_of_share_rows ADD COLUMN IF NOT EXISTS exact BOOLEAN;       -- nothing sampled or bounded
    ALTER TABLE as_of_share_rows ADD COLUMN IF NOT EXISTS exact_models BIGINT; -- repos of each part
    ALTER TABLE as_of_share_rows ADD COLUMN IF NOT EXISTS sampled_models BIGINT;
    ALTER TABLE as_of_share_rows ADD COLUMN IF NOT EXISTS bounded_models BIGINT;
    ALTER TABLE as_of_share_rows ADD COLUMN IF NOT EXISTS sample_size BIGINT;  -- fetched repos behind sampled
    ALTER TABLE as_of_share_rows ADD COLUMN IF NOT EXISTS source VARCHAR;      -- history | snapshot
    """,
))


# Classify owns staleness (docs/ARCHITECTURE.md, "Staleness"): a class row records what it was
# computed from, and the store records when an input changed, instead of deleting classes in the
# transaction that stores a new fact. Every such change takes a number from one counter
# (meta.input_seq, store/inputs.py).
MIGRATIONS.append((
    9,
    "staleness by detection: class inputs, version input changes, the input counter",
    """
    -- What a class was computed from: the classify run (computed_seq, a value of the input counter)
    -- and, for methods that read more than the file list, the inputs they read.
    ALTER TABLE version_classes ADD COLUMN IF NOT EXISTS computed_seq BIGINT;
    ALTER TABLE version_classes ADD COLUMN IF NOT EXISTS input_probes BIGINT;     -- header, loadable
    ALTER TABLE version_classes ADD COLUMN IF NOT EXISTS input_config BIGINT;     -- loadable
    ALTER TABLE version_classes ADD COLUMN IF NOT EXISTS input_framework VARCHAR; -- loadable
    -- Stored loadable classes were current (the old rule deleted stale ones): they read this table.
    UPDATE version_classes SET input_framework = (SELECT value FROM meta WHERE key = 'framework_revision')
    WHERE method LIKE 'loadable%' AND input_framework IS NULL;
    -- When a version's inputs last changed (input counter values; NULL: never since it was stored).
    CREATE TABLE IF NOT EXISTS version_inputs (
        version_id BIGINT PRIMARY KEY,
        probes BIGINT,                      -- header answers stored for its (model, sha)
        config BIGINT                       -- config filled in by a later scan
    );
    ALTER TABLE history_status ADD COLUMN IF NOT EXISTS changed_seq BIGINT;
    INSERT OR IGNORE INTO meta VALUES ('input_seq', '0');
    """,
))

# Run positions stored (store/runs.py), and the runs rewritten in position order, so that the
# reader of one snapshot skips the row groups of runs that start after it.
RUN_POSITIONS_SQL = """
    ALTER TABLE version_runs ADD COLUMN IF NOT EXISTS first_pos INTEGER;
    ALTER TABLE version_runs ADD COLUMN IF NOT EXISTS last_pos INTEGER;
    CREATE OR REPLACE TEMP TABLE runs_positioned AS
    WITH o AS (SELECT scan_id, row_number() OVER (ORDER BY snapshot_at, scan_id) AS pos
               FROM scan_log WHERE status = 'complete')
    SELECT r.version_id, r.from_scan, r.to_scan, r.downloads, r.downloads_all_time, r.likes,
           f.pos::INTEGER AS first_pos, CASE WHEN r.to_scan IS NULL THEN 2147483647 ELSE t.pos END::INTEGER AS last_pos
    FROM version_runs r LEFT JOIN o f ON f.scan_id = r.from_scan LEFT JOIN o t ON t.scan_id = r.to_scan
    ORDER BY first_pos, version_id;
    DELETE FROM version_runs;
    INSERT INTO version_runs (version_id, from_scan, to_scan, downloads, downloads_all_time, likes, first_pos, last_pos)
    SELECT * FROM runs_positioned;
    DROP TABLE runs_positioned;
"""

# Aggregates per snapshot (store/aggregates.py): what every time series reads, computed once per
# snapshot by classify and read while current (the state row's valid_seq = meta.input_seq).
MIGRATIONS.append((
    10,
    "run positions; aggregates per snapshot: class counts, breakdowns, weights vs loadable, their state",
    RUN_POSITIONS_SQL + """
    CREATE TABLE IF NOT EXISTS snapshot_aggregate_state (
        scan_id INTEGER PRIMARY KEY,
        rules_version INTEGER,              -- the rules the classes it counted were computed under
        framework_revision VARCHAR,         -- the framework table current then
        valid_seq BIGINT,                   -- input counter at which it was computed or last verified
        models BIGINT,                      -- members of the snapshot
        computed_at TIMESTAMP
    );
    CREATE TABLE IF NOT EXISTS snapshot_class_counts (
        scan_id INTEGER, method VARCHAR, class VARCHAR, neither_reason VARCHAR, pt_attributed BOOLEAN,
        models BIGINT, downloads BIGINT, downloads_all_time BIGINT
    );
    CREATE TABLE IF NOT EXISTS snapshot_breakdowns (
        scan_id INTEGER, method VARCHAR, dimension VARCHAR, value VARCHAR, class VARCHAR, models BIGINT,
        rank INTEGER                        -- of the value by models in its dimension (1 = most)
    );
    CREATE TABLE IF NOT EXISTS snapshot_weights_loadable (
        scan_id INTEGER, models BIGINT, tf_weights BIGINT, tf_loadable BIGINT, tf_loadable_direct BIGINT,
        tf_loadable_opt_in BIGINT, pt_weights BIGINT, pt_loadable BIGINT, jax_weights BIGINT,
        jax_loadable BIGINT, tf_loadable_v5 BIGINT
    );
    """,
))


# Planted data (the fake Hub's PLANTED_HEADER seen at scan time): a report of it must never read as
# the real Hub's, whatever the endpoint is called.
MIGRATIONS.append((
    11,
    "scan_log.planted: the scan's answers came from the fake Hub",
    """
    ALTER TABLE scan_log ADD COLUMN IF NOT EXISTS planted BOOLEAN;
    """,
))

LATEST_VERSION = MIGRATIONS[-1][0]


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = first_row(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ))
    if not exists or not exists[0]:
        return 0
    row = first_row(con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations"))
    return int(row[0]) if row else 0


def check_version(con: duckdb.DuckDBPyConnection, path: str) -> int:
    version = current_version(con)
    if version > LATEST_VERSION:
        raise StoreError(
            f"{path} has schema version {version}, newer than this hfscan knows ({LATEST_VERSION})",
            hint="upgrade hfscan (pip install -U hfscan) to read this database",
        )
    return version


def migrate(con: duckdb.DuckDBPyConnection, path: str, target: int | None = None) -> int:
    """Bring the database to LATEST_VERSION (or `target`, for tests that build an older database:
    then the views, written for the latest tables, are not installed); returns the version before."""
    before = check_version(con, path)
    if before == 0:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TIMESTAMP, description VARCHAR)"
        )
    for version, description, sql in MIGRATIONS:
        if version <= before or (target is not None and version > target):
            continue
        with transaction(con):
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, now()::TIMESTAMP, ?)", [version, description]
            )
    if target is None or target >= LATEST_VERSION:
        statements = view_statements()
        if before != LATEST_VERSION or not _views_current(con, statements):  # ~0.2-0.6 s: not on every open
            install_views(con, statements)
    return before


def version_hash_macro() -> str:
    """The SQL macro `version_hash(model, sha)`: model_row.SHA_HASH, the one formula, for the views
    (e.g. 30_as_of.sql) to call instead of restating it."""
    return f"CREATE OR REPLACE MACRO version_hash(model, sha) AS {SHA_HASH.format(model='model', sha='sha')};"


def view_statements() -> list[str]:
    """Every public view and macro, in install order: the macros generated from Python rules, then
    views/*.sql in file-name order (each area owns one file)."""
    from hfscan.store.runs import OPEN, order_sql

    statements = [version_hash_macro(), f"CREATE OR REPLACE MACRO open_position() AS {OPEN}",
                  # The complete scans in snapshot order: position 1 is the oldest. Membership and
                  # counters are stored as runs over this sequence (table version_runs).
                  "CREATE OR REPLACE VIEW snapshot_order AS "
                  + order_sql(position="position", columns="scan_id, snapshot_at, kind")]
    folder = resources.files("hfscan.store").joinpath("views")
    for name in sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".sql")):
        statements.append(folder.joinpath(name).read_text(encoding="utf-8"))
    return statements


def views_stamp(statements: list[str]) -> str:
    return hashlib.md5("\n".join(statements).encode()).hexdigest()


def _views_current(con: duckdb.DuckDBPyConnection, statements: list[str]) -> bool:
    row = first_row(con.execute("SELECT value FROM meta WHERE key = 'views_stamp'"))
    return row is not None and row[0] == views_stamp(statements)


def install_views(con: duckdb.DuckDBPyConnection, statements: list[str] | None = None) -> None:
    """(Re)create every public view, and stamp which ones (meta.views_stamp): a writable open does
    it when the stamp is not this hfscan's."""
    statements = statements if statements is not None else view_statements()
    for statement in statements:
        con.execute(statement)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('views_stamp', ?)", [views_stamp(statements)])


def shadow_stale_views(con: duckdb.DuckDBPyConnection) -> None:
    """On a read-only open of a database whose stored views an older hfscan installed (nothing
    has opened it for writing since the upgrade): today's views as TEMP objects, which DuckDB
    resolves before the stored ones, so a read never meets a view of another version. Only at the
    latest schema (older tables are migrated by the next writable open)."""
    if current_version(con) != LATEST_VERSION:
        return
    statements = view_statements()
    # A file that cannot even say which views it holds (a damaged block) is opened as it is: the
    # reads that meet the damage, and `status --check`, report it, not the open.
    current = attempt(lambda: _views_current(con, statements))
    if isinstance(current, DbFailure) or current:
        return
    for statement in statements:
        con.execute(statement.replace("CREATE OR REPLACE VIEW", "CREATE OR REPLACE TEMP VIEW")
                    .replace("CREATE OR REPLACE MACRO", "CREATE OR REPLACE TEMP MACRO"))
