"""Many file lists classified in one in-memory database.

The same insert and SQL as `classify_file_list`, which builds a database per model (the schema and the
vendored framework table each time, ~0.3 s): tests that classify dozens of lists use this instead.
"""

from __future__ import annotations

import duckdb

from hfscan.classify.versions import classify_versions
from hfscan.store.schema import migrate


def files_keys(versions: list[tuple[list[str], str | None]]) -> list[tuple]:
    """(class, neither_reason, pt_attributed, formats) by files for each (files, library_name), in order."""
    con = duckdb.connect(":memory:")
    try:
        migrate(con, ":memory:")
        con.executemany(
            "INSERT INTO repo_versions (version_hash, model_id, sha, library_name, tags, files) "
            "VALUES (?, ?, 'sha', ?, [], ?)",
            [[number + 1, f"model-{number}", library, list(files)] for number, (files, library) in enumerate(versions)])
        classify_versions(con)
        rows = con.execute("""
            SELECT v.model_id, c.class, c.neither_reason, c.pt_attributed, c.formats
            FROM version_classes c JOIN repo_versions v USING (version_id) WHERE c.method = 'files'""").fetchall()
    finally:
        con.close()
    by_model = {row[0]: tuple(row[1:]) for row in rows}
    assert len(by_model) == len(rows) == len(versions), "one files class per version"
    return [by_model[f"model-{number}"] for number in range(len(versions))]
