"""The vendored real data (tests/data/real) must stay byte-identical to the read-only original it was
copied from, on machines where that original sits next to the repository; elsewhere the copy is the source."""

from __future__ import annotations

import pytest

from tests.conftest import REAL_DATA, SHARED_REAL_DATA


@pytest.mark.parametrize("name", ["legacy_s3_models.json", "api_captures/google-bert__bert-base-uncased.json"])
def test_vendored_copy_matches_shared(name: str) -> None:
    if not SHARED_REAL_DATA.exists():
        pytest.skip("the original of tests/data/real is not on this machine; the copy is the source")
    assert (REAL_DATA / name).read_bytes() == (SHARED_REAL_DATA / name).read_bytes()
