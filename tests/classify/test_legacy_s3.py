"""The 51 pre-Hub (legacy S3) models: real file lists with a known answer by files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from hfscan.classify.versions import classify_file_list


def test_legacy_s3_models_real_file_lists(real_data: Path) -> None:
    models = json.loads((real_data / "legacy_s3_models.json").read_text())
    assert len(models) == 51
    counts = Counter(
        classify_file_list([s["rfilename"] for s in model["siblings"]], "transformers").classes["files"].class_
        for model in models
    )
    assert counts == {"both": 36, "pytorch_only": 11, "tensorflow_only": 1, "neither": 3}
