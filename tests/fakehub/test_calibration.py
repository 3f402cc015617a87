"""The fake Hub's population follows the published figures it is calibrated to (docs/FAKE_HUB.md).

These are properties of the planted population (no server): the demo's numbers rest on them.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from hfscan.testing.fakehub.calibration import HUB_SIZE
from hfscan.testing.fakehub.population import BOT, Population
from hfscan.testing.fakehub.truth import classify_components, iter_models, truth

DEMO = 20_000  # scripts/demo.py's default


def _split(counts: dict[str, int]) -> dict[str, float]:
    framework = sum(counts.get(c, 0) for c in ("pytorch_only", "tensorflow_only", "both"))
    return {c: 100 * counts.get(c, 0) / framework for c in ("pytorch_only", "tensorflow_only", "both")}


@pytest.fixture(scope="module")
def demo() -> Population:
    return Population(DEMO, seed=7)


def test_as_of_2021_split_is_close_to_the_published_one(demo: Population) -> None:
    split = _split(truth(demo, as_of=["2021-12-14"])["as_of"]["2021-12-14"])
    assert split["pytorch_only"] == pytest.approx(84, abs=2)
    assert split["tensorflow_only"] == pytest.approx(8.4, abs=1.5)
    assert split["both"] == pytest.approx(7.4, abs=1.5)


@pytest.mark.parametrize("seed", [0, 3])
def test_other_seeds_stay_close(seed: int) -> None:
    split = _split(truth(Population(5_000, seed=seed), as_of=["2021-12-14"])["as_of"]["2021-12-14"])
    assert split["pytorch_only"] == pytest.approx(84, abs=3.5)
    assert split["tensorflow_only"] == pytest.approx(8.4, abs=2.5)


def test_top_30_by_downloads_is_11_pt_only_19_both(demo: Population) -> None:
    top = sorted(iter_models(demo, 0), key=lambda m: (-m.downloads, m.id))[:30]
    classes = Counter(classify_components(m.head.components, m.library_name)["class"] for m in top)
    assert classes == {"pytorch_only": 11, "both": 19}
    assert "bert-base-uncased" in {m.id for m in top}  # real ids: the most downloaded real models


def test_size_by_date_follows_the_published_counts() -> None:
    # At the real Hub's own size every real model is present, and index i is the (i+1)-th repo.
    population = Population(HUB_SIZE[-1][1], seed=0)
    assert len(population.real) == HUB_SIZE[0][1]
    for date, count in HUB_SIZE[1:-1]:
        when = int(datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp())
        assert population.created(count - 1000) < when < population.created(count + 1000)
    # The demo is a scaled copy: by mid-2024 about a fifth of today's models existed (900k of 3.4M).
    small = Population(DEMO, seed=7)
    cut = int(datetime(2024, 9, 30, tzinfo=UTC).timestamp())
    share = sum(small.created(i) <= cut for i in range(DEMO)) / DEMO
    assert 0.26 < share < 0.36  # 900k / 3.42M = 0.26, plus the floor on the real part (REAL_FLOOR)


def test_later_years_tell_the_known_story(demo: Population) -> None:
    tf, total, gguf, mlx = Counter(), Counter(), Counter(), Counter()
    bot_years = Counter()
    for model in iter_models(demo, 0):
        year = datetime.fromtimestamp(model.created, UTC).year
        first = model.commits[0].components
        total[year] += 1
        tf[year] += classify_components(first, model.library_name)["class"] in ("tensorflow_only", "both")
        gguf[year] += "gguf" in first
        mlx[year] += "mlx" in first
        bot_years.update(datetime.fromtimestamp(c.date, UTC).year for c in model.commits if c.author == BOT)
    tf_share = [tf[y] / total[y] for y in (2021, 2022, 2023, 2024, 2025, 2026)]
    assert tf_share == sorted(tf_share, reverse=True) and tf_share[0] > 0.08 and tf_share[-1] < 0.01
    assert min(bot_years) == 2023 and bot_years[2023] > 0
    assert 0 == gguf[2023] < gguf[2024] / total[2024] < gguf[2026] / total[2026]
    assert mlx[2024] == 0 < mlx[2025] / total[2025] < mlx[2026] / total[2026]


def test_deterministic_per_seed() -> None:
    a, b = Population(3_000, seed=5), Population(3_000, seed=5)
    assert [a.model(i).commits for i in range(0, 3_000, 7)] == [b.model(i).commits for i in range(0, 3_000, 7)]
    other = Population(3_000, seed=6)
    assert [a.model(i).category for i in range(3_000)] != [other.model(i).category for i in range(3_000)]


DEMO_EPOCH = 7  # scripts/demo.py's last full scan sees the fake Hub after 7 epochs of churn


def test_the_documented_2021_rows_are_the_planted_ones(demo: Population) -> None:
    """docs/FAKE_HUB.md gives the 2021 split at epoch 0 and at the demo's epoch, the README the
    demo's: each row must be what the population plants (they once disagreed without a word why)."""
    import re

    from tests.crawl.helpers import REPO_ROOT

    fake_hub = (REPO_ROOT / "docs" / "FAKE_HUB.md").read_text()
    readme = (REPO_ROOT / "README.md").read_text()
    for epoch in (0, DEMO_EPOCH):
        counts = truth(demo, epoch=epoch, as_of=["2021-12-14"])["as_of"]["2021-12-14"]
        population = sum(counts.get(c, 0) for c in ("pytorch_only", "tensorflow_only", "both"))
        split = _split(counts)
        row = (f"| 2021-12-14, epoch {epoch} ", f"| {sum(counts.values())} | {population} | "
               f"{split['pytorch_only']:.1f}% | {split['tensorflow_only']:.1f}% | {split['both']:.1f}% |")
        line = next((x for x in fake_hub.splitlines() if x.startswith(row[0])), "")
        assert line.endswith(row[1]), (line, row)
        if epoch == DEMO_EPOCH:
            demo_row = next(x for x in readme.splitlines() if x.startswith("| as of 2021-12-14 (`shares --as-of"))
            assert f"{population} models with PT or TF" in demo_row, demo_row
            interval = r"(?: \([0-9.]+–[0-9.]+\))?"  # the estimate's 95% interval, when it is one
            assert re.search(rf"\| {split['pytorch_only']:.1f}%{interval} \| {split['tensorflow_only']:.1f}%{interval} \| "
                             rf"{split['both']:.1f}%{interval} \|", demo_row), demo_row
