"""The planted answers, computed from each model's components (never from its file names).

The rules mirror docs/CLASSIFICATION.md at the level of components: a component knows
its family, whether its PT status rests on library attribution, and what its safetensors headers
say. hfscan classifies file names; these answers come from what the generator put there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from hfscan.testing.fakehub.components import COMPONENTS
from hfscan.testing.fakehub.population import CLAMP, DAY, Model, Population, iso

PT_FIRST = {"transformers", "diffusers", "sentence-transformers", "peft", "timm", "open_clip",
            "pyannote-audio", "nemo", "ultralytics", "stable-baselines3", "flair", "span-marker",
            "setfit", "gliner"}
HEADER_FAMILY = {"pt": "PT", "tf": "TF", "flax": "JAX", "mlx": "OTHER"}
HEADER_REASON = {"pt": "pytorch", "tf": "tensorflow", "flax": "flax", "mlx": "mlx"}


def _family(name: str, library: str | None, use_header: bool) -> tuple[str | None, str | None, bool, bool]:
    """(family, neither-reason, attributed, tf_strict) of one component in one repo."""
    component = COMPONENTS[name]
    if component.header is not None and use_header:
        family = HEADER_FAMILY[component.header]
        return family, HEADER_REASON[component.header], False, family == "TF"
    if component.safetensors:
        # A safetensors component without a header answer: attribution by library.
        if library == "mlx":
            return "OTHER", "mlx", False, False
        if library in PT_FIRST:
            return "PT", "pytorch", True, False
        return "OTHER", "safetensors_unknown", False, False
    return component.family, component.reason, False, component.tf_strict


def classify_components(components: Iterable[str], library: str | None, use_header: bool = False) -> dict[str, Any]:
    has_pt = has_tf = has_tf_strict = has_jax = False
    attributed_only = True
    reasons: set[str] = set()
    for name in components:
        family, reason, attributed, strict = _family(name, library, use_header)
        if family == "PT":
            has_pt = True
            attributed_only &= attributed
        elif family == "TF":
            has_tf = True
            has_tf_strict |= strict
        elif family == "JAX":
            has_jax = True
        if reason:
            reasons.add(reason)
    if has_pt and has_tf:
        cls = "both"
    elif has_pt:
        cls = "pytorch_only"
    elif has_tf:
        cls = "tensorflow_only"
    else:
        cls = "neither"
    reason = None
    if cls == "neither":
        reason = "no_weights" if not reasons else (reasons.pop() if len(reasons) == 1 else "mixed")
    return {"class": cls, "neither_reason": reason, "has_pt": has_pt, "has_tf": has_tf,
            "has_tf_strict": has_tf_strict, "has_jax": has_jax, "pt_attributed": has_pt and attributed_only}


def tags_class(tags: list[str]) -> str:
    has_pt, has_tf = "pytorch" in tags, "tf" in tags
    return "both" if has_pt and has_tf else "pytorch_only" if has_pt else "tensorflow_only" if has_tf else "neither"


def model_truth(model: Model) -> dict[str, Any]:
    head = model.head
    files = classify_components(head.components, model.library_name)
    header = classify_components(head.components, model.library_name, use_header=True)
    return {
        "id": model.id, "sha": model.sha, "created": iso(model.created), "createdAt": iso(model.created_at),
        "_id": model.hub_id, "first_commit": iso(model.first_commit),
        # The first commit is more than a day away from creation (squashed or backdated history).
        "first_commit_not_creation": abs(model.first_commit - model.created) > DAY,
        "clamped": model.created < CLAMP, "category": model.category, "library_name": model.library_name,
        "files_class": files["class"], "neither_reason": files["neither_reason"],
        "pt_attributed": files["pt_attributed"], "has_jax": files["has_jax"],
        "has_tf_strict": files["has_tf_strict"],
        "tags_class": tags_class(model.tags()), "header_class": header["class"],
        "header_neither_reason": header["neither_reason"],
        "safetensors_files": [f for f in model.files() if model.header_format(f) is not False],
        "commits": len(model.commits),
    }


def state_as_of(model: Model, cut: int) -> tuple[str, ...] | None:
    """The repo's weights at the end of a day, or None if it did not exist yet. Existence is the
    repo's creation, not its first commit (which can be later, or earlier, than creation); in a
    squashed history the squash kept the initial files."""
    if model.created > cut:
        return None
    commit = model.commit_as_of(cut) or model.commits[0]
    return commit.components


def iter_models(population: Population, epoch: int) -> Iterator[Model]:
    for index in range(population.size(epoch)):
        if not population.deleted(index, epoch):
            yield population.model(index, epoch)


def truth(population: Population, epoch: int = 0, as_of: Iterable[str] = (), per_model: bool = False) -> dict[str, Any]:
    """Counts per class by each method, the clamp, as-of states and (optionally) every model."""
    files, tags, header = Counter(), Counter(), Counter()
    neither, by_year, header_neither = Counter(), Counter(), Counter()
    # As of a date = at the end of that day (UTC), as hfscan defines it.
    cut_offs = {date: int(datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp()) + 86_399 for date in as_of}
    as_of_counts: dict[str, Counter] = {date: Counter() for date in cut_offs}
    clamped = attributed = bot_changed = not_creation = 0
    placeholders: Counter = Counter()
    models: list[dict[str, Any]] = []
    for model in iter_models(population, epoch):
        answer = model_truth(model)
        files[answer["files_class"]] += 1
        tags[answer["tags_class"]] += 1
        header[answer["header_class"]] += 1
        if answer["neither_reason"]:
            neither[answer["neither_reason"]] += 1
        if answer["header_neither_reason"]:
            header_neither[answer["header_neither_reason"]] += 1
        clamped += answer["clamped"]
        not_creation += answer["first_commit_not_creation"]
        if answer["clamped"]:
            placeholders[answer["createdAt"]] += 1
        attributed += answer["pt_attributed"]
        bot_changed += any(c.author == "SFconvertbot" for c in model.commits)
        by_year[(datetime.fromtimestamp(model.created, UTC).year, answer["files_class"])] += 1
        for date, cut in cut_offs.items():
            state = state_as_of(model, cut)
            if state is not None:
                as_of_counts[date][classify_components(state, model.library_name)["class"]] += 1
        if per_model:
            models.append(answer)
    out: dict[str, Any] = {
        "seed": population.seed, "epoch": epoch, "models": sum(files.values()), "clamped": clamped,
        "placeholders": dict(placeholders), "first_commit_not_creation": not_creation,
        "files": dict(files), "files_neither": dict(neither), "tags": dict(tags), "header": dict(header),
        "header_neither": dict(header_neither), "pt_attributed": attributed, "bot_changed": bot_changed,
        "by_year": [{"year": y, "class": c, "models": n} for (y, c), n in sorted(by_year.items())],
        "as_of": {date: dict(counts) for date, counts in as_of_counts.items()},
    }
    if per_model:
        out["per_model"] = models
    return out
