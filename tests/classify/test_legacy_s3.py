"""The 51 pre-Hub (legacy S3) models: real file lists with a known answer by files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.classify.batch import files_keys


def test_legacy_s3_models_real_file_lists(real_data: Path) -> None:
    models = json.loads((real_data / "legacy_s3_models.json").read_text())
    assert len(models) == 51
    # One database for all 51 (classify_file_list per model is slow); the same SQL.
    keys = files_keys([([s["rfilename"] for s in model["siblings"]], "transformers") for model in models])
    counts = Counter(key[0] for key in keys)
    assert counts == {"both": 36, "pytorch_only": 11, "tensorflow_only": 1, "neither": 3}
