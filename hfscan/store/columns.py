"""The columns a crawled model has on its way into storage (a parsed page, a staged row)."""

MODEL_COLUMNS = (
    "model_id", "hub_id", "sha", "author", "created_at", "last_modified", "library_name",
    "pipeline_tag", "tags", "files", "gated", "private", "disabled", "safetensors_total", "gguf",
    "downloads", "downloads_all_time", "likes",
)

# Columns that describe a repo *version* (stored once in repo_versions); the rest are per-scan counters.
VERSION_COLUMNS = MODEL_COLUMNS[:15]
COUNTER_COLUMNS = MODEL_COLUMNS[15:]

# What identifies a version's content: model id + commit sha, or a content hash when a source gives
# no sha. Stored as repo_versions.version_hash; version_id is an ordinal assigned on insert.
VERSION_HASH_SQL = (
    "md5_number_lower(model_id || '@' || coalesce(sha, 'content:' || md5(concat_ws('|', "
    "coalesce(array_to_string(list_sort(files), chr(10)), '<no files>'), "
    "coalesce(array_to_string(list_sort(tags), ','), ''), coalesce(library_name, ''), "
    "coalesce(CAST(last_modified AS VARCHAR), '')))))"
)
