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


def _st_format(component_name: str, library: str | None, use_header: bool) -> str:
    """What a component's safetensors are taken for: the planted header when probed, else by library."""
    component = COMPONENTS[component_name]
    if use_header and component.header is not None:
        return component.header
    if library == "mlx":
        return "mlx"
    return "pt" if library in PT_FIRST else "unknown"


def loadable_class(components: Iterable[str], library: str | None, model_type: str | None,
                   frameworks: dict[str, tuple[bool, bool, bool]], line: str = "4.57",
                   use_header: bool = False) -> dict[str, Any]:
    """Where transformers (line 4.57 or 5) loads the repo from, from what the components are.

    Written from transformers' behaviour (docs/LOADABLE.md), not from hfscan's path table: PyTorch
    reads its pickles and any safetensors (in 4.57 also TF/Flax weights, with from_tf/from_flax);
    TF reads .h5, safetensors written by PyTorch or TF, and PyTorch pickles with from_pt=True;
    Flax reads msgpack, a single PyTorch- or Flax-written safetensors, and pickles with from_pt=True.
    v5 has PyTorch only. Repos of other libraries keep their files-method class."""
    components = list(components)
    if not (library == "transformers" or (library is None and model_type is not None)):
        files = classify_components(components, library)
        return {"class": files["class"], "reason": files["neither_reason"], "tf": None, "tf_direct": False,
                "basis": f"files:{library or 'none'}"}
    weights = [(COMPONENTS[n].loads, _st_format(n, library, use_header), COMPONENTS[n].sharded)
               for n in components if COMPONENTS[n].loads]
    old = line == "4.57"
    pt_class, tf_class, flax_class = frameworks.get(model_type, (False, False, False)) if model_type else (
        False, False, False)
    st = [(fmt, sharded) for kind, fmt, sharded in weights if kind == "safetensors"]
    kinds = {kind for kind, _, _ in weights}
    pt_direct = "pt" in kinds or any(fmt in ("pt", "mlx", "unknown") or (old and fmt in ("tf", "flax") and not sh)
                                     for fmt, sh in st)
    pt_flag = old and bool(kinds & {"tf", "flax"})
    tf_direct = "tf" in kinds or any(fmt in ("pt", "tf") for fmt, _ in st)
    tf_flag = "pt" in kinds
    jax = "flax" in kinds or any(fmt in ("pt", "flax") and not sh for fmt, sh in st) or "pt" in kinds
    can_pt = pt_class and (pt_direct or pt_flag)
    can_tf = old and tf_class and (tf_direct or tf_flag)
    can_jax = old and flax_class and jax
    cls = "both" if can_pt and can_tf else "pytorch_only" if can_pt else "tensorflow_only" if can_tf else "neither"
    reason = None
    if cls == "neither":
        if model_type is None:
            reason = "no_config"
        elif model_type not in frameworks:
            reason = "unknown_model_type"
        elif not (pt_class or tf_class):
            reason = "no_framework_class"
        elif not old and _loads_in_457(components, library, model_type, frameworks, use_header):
            reason = "removed_in_v5"
        elif can_jax:
            reason = "flax_only"
        else:
            reason = "no_loadable_weights"
    return {"class": cls, "reason": reason, "tf": can_tf, "tf_direct": can_tf and tf_direct,
            "basis": "transformers"}


def _loads_in_457(components: list[str], library: str | None, model_type: str | None,
                  frameworks: dict[str, tuple[bool, bool, bool]], use_header: bool) -> bool:
    answer = loadable_class(components, library, model_type, frameworks, "4.57", use_header)
    return answer["class"] != "neither" or answer["reason"] == "flax_only"


def vendored_frameworks() -> dict[str, tuple[bool, bool, bool]]:
    from hfscan.testing.fakehub.configs import vendored_rows

    return {r.model_type: (r.pytorch, r.tensorflow, r.flax) for r in vendored_rows()}


def tags_class(tags: list[str]) -> str:
    has_pt, has_tf = "pytorch" in tags, "tf" in tags
    return "both" if has_pt and has_tf else "pytorch_only" if has_pt else "tensorflow_only" if has_tf else "neither"


def model_truth(model: Model, frameworks: dict[str, tuple[bool, bool, bool]] | None = None) -> dict[str, Any]:
    head = model.head
    files = classify_components(head.components, model.library_name)
    header = classify_components(head.components, model.library_name, use_header=True)
    table = frameworks if frameworks is not None else vendored_frameworks()
    loadable = {line: loadable_class(head.components, model.library_name, model.model_type, table, line)
                for line in ("4.57", "5")}
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
        "commits": len(model.commits), "model_type": model.model_type, "has_tf": files["has_tf"],
        "loadable_class": loadable["4.57"]["class"], "loadable_reason": loadable["4.57"]["reason"],
        "loadable_tf": loadable["4.57"]["tf"], "loadable_tf_direct": loadable["4.57"]["tf_direct"],
        "loadable_v5_class": loadable["5"]["class"], "loadable_v5_reason": loadable["5"]["reason"],
        "loadable_basis": loadable["4.57"]["basis"],
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


def truth(population: Population, epoch: int = 0, as_of: Iterable[str] = (), per_model: bool = False,
          frameworks: dict[str, tuple[bool, bool, bool]] | None = None) -> dict[str, Any]:
    """Counts per class by each method, the clamp, as-of states and (optionally) every model.
    `frameworks` is the framework table the loadable answers use (default: the vendored one)."""
    files: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    header: Counter[str] = Counter()
    loadable: Counter[str] = Counter()
    loadable_v5: Counter[str] = Counter()
    loadable_neither: Counter[str] = Counter()
    loadable_v5_neither: Counter[str] = Counter()
    tf_weights = tf_loadable = tf_direct = 0
    table = frameworks if frameworks is not None else vendored_frameworks()
    neither: Counter[str] = Counter()
    by_year: Counter[tuple[int, str]] = Counter()
    header_neither: Counter[str] = Counter()
    # As of a date = at the end of that day (UTC), as hfscan defines it.
    cut_offs = {date: int(datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp()) + 86_399 for date in as_of}
    as_of_counts: dict[str, Counter] = {date: Counter() for date in cut_offs}
    clamped = attributed = bot_changed = not_creation = 0
    placeholders: Counter = Counter()
    models: list[dict[str, Any]] = []
    for model in iter_models(population, epoch):
        answer = model_truth(model, table)
        files[answer["files_class"]] += 1
        loadable[answer["loadable_class"]] += 1
        loadable_v5[answer["loadable_v5_class"]] += 1
        if answer["loadable_reason"]:
            loadable_neither[answer["loadable_reason"]] += 1
        if answer["loadable_v5_reason"]:
            loadable_v5_neither[answer["loadable_v5_reason"]] += 1
        tf_weights += answer["has_tf"]
        tf_loadable += bool(answer["loadable_tf"])
        tf_direct += bool(answer["loadable_tf_direct"])
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
        "loadable": dict(loadable), "loadable_v5": dict(loadable_v5), "loadable_neither": dict(loadable_neither),
        "loadable_v5_neither": dict(loadable_v5_neither),
        "weights_vs_loadable": {"tf_weights": tf_weights, "tf_loadable": tf_loadable, "tf_loadable_direct": tf_direct},
    }
    if per_model:
        out["per_model"] = models
    return out
