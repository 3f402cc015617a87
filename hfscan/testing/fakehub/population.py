"""A deterministic Hub population, generated lazily from (seed, index).

Index order is creation order, and `_id` grows with it, so the createdAt listing is a countdown
over indices: serving a 3M-model listing needs no per-model state. The oldest part uses real ids,
creation dates, downloads and tasks (Liang et al. 2022); the rest is synthetic up to BASE_END, its
creation dates following the Hub's published size by date (HUB_SIZE). The eras' framework mixes and
the 30 most downloaded models are calibrated to the published figures (docs/FAKE_HUB.md).
Each model's history (initial upload, conversion-bot safetensors, TF weights added or dropped,
card edits) is generated with it, so "as of" a date differs from today, and the Hub's
`createdAt` placeholder hides the true date of everything older than 2022-03-02: like the real
Hub, the placeholder spans two seconds (23:29:04 for the older half of those repos, 23:29:05 for
the newer half), and every `_id` is an ObjectId whose first 4 bytes are the listed `createdAt`.
A few newer repos have a first commit that is not their creation (docs/CREATION_DATES.md): a
history squashed days after creation, or commits pushed with dates from before the repo existed.

Epochs model the Hub moving on between scans: epoch e adds ~2% new models, changes ~1% of the
existing ones (a new commit) and deletes ~0.2%.
"""

from __future__ import annotations

import calendar
import hashlib
import math
import random
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from importlib import resources

from hfscan.testing.fakehub import configs
from hfscan.testing.fakehub.calibration import (
    EARLY_TARGET,
    HUB_SIZE,
    POPULAR,
    early_mix,
    hub_time,
    popular_category,
    weyl,
)
from hfscan.testing.fakehub.components import CATEGORIES, COMPONENTS, expand_files, pick_category


def _ts(text: str) -> int:
    return calendar.timegm(datetime.fromisoformat(text).timetuple())


CLAMP = _ts("2022-03-02T23:29:04")          # older repos report this createdAt, or...
CLAMP_LAST = CLAMP + 1                       # ...this one: the 2022 import ran over two seconds
BOT_START = _ts("2023-01-15T00:00:00")      # the safetensors conversion bot's first PRs
SYNTHETIC_START = _ts("2022-10-01T00:00:00")  # after the last real (Liang) creation date
BASE_END = _ts("2026-11-01T00:00:00")       # epoch 0 is the Hub on this day
DAY = 86_400
REAL_SHARE = 0.3                             # of a small population (tests): at most this share...
REAL_FLOOR = 1_500                           # ...and at most this many; above, proportional (HUB_SIZE)
ADD_TF_SHARE = 0.1                           # of PT-only transformers repos before 2022-06: TF added later
NEW_PER_EPOCH = 0.02
CHANGED_PER_EPOCH = 0.01
DELETED_PER_EPOCH = 0.002
SQUASHED_SHARE = 0.006      # of repos created from SQUASH_START: history squashed days after creation
BACKDATED_SHARE = 0.005     # of repos created from BACKDATE_START: first commit dated before creation
SQUASH_START = _ts("2024-01-01T00:00:00")
BACKDATE_START = _ts("2023-01-01T00:00:00")
BOT = "SFconvertbot"
LONG_HISTORY_SHARE = 0.005                   # models with LONG_HISTORY extra commits (x6 before CLAMP)
LONG_HISTORY = 130
# User-controlled text that must never become markup in anything hfscan renders.
HOSTILE_TEXT = "</script><script>document.body.dataset.pwned=1</script><b>x"

_SYNTHETIC_ID = re.compile(r"^[a-z]+-lab-[0-9a-z]+/.+-m([0-9a-z]+)$")
_AUTHORS = ["acme", "nlp", "vision", "speech", "bio", "edu", "open", "deep", "tiny", "quant"]
_WORDS = ["bert", "gpt2", "llama", "mistral", "qwen", "t5", "vit", "whisper", "clip", "roberta",
          "phi", "gemma", "sd", "resnet", "wav2vec2", "bart", "deberta", "yolo", "unet", "distil"]
_TASKS = ["text-classification", "text-generation", "fill-mask", "token-classification",
          "automatic-speech-recognition", "image-classification", "text-to-image", None,
          "sentence-similarity", "translation", "summarization", "feature-extraction", None]


def iso(ts: int) -> str:
    """The Hub's date format: the only one huggingface_hub parses (no +00:00)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


@dataclass(frozen=True)
class Commit:
    sha: str
    date: int
    title: str
    author: str
    components: tuple[str, ...]   # the weights after this commit
    readme_rev: int               # bumps when only non-weight files change


@dataclass(frozen=True)
class Model:
    index: int
    id: str
    hub_id: str
    author: str
    created: int                  # true creation (the repo's record on the Hub; its `_id` time)
    listed_created: int           # the createdAt the Hub shows: `created`, or a placeholder second
    library_name: str | None
    pipeline_tag: str | None
    category: str
    name: str
    shards: int
    commits: tuple[Commit, ...]   # oldest first
    downloads: int
    likes: int
    gated: str | bool
    tag_noise: str | None         # a planted disagreement between the Hub's tags and its files
    model_type: str | None = None  # config.json's model_type, as the listing's `config` shows it

    @property
    def created_at(self) -> int:
        return self.listed_created

    @property
    def first_commit(self) -> int:
        """The date of the oldest commit the log shows: creation, except for planted cases."""
        return self.commits[0].date

    @property
    def head(self) -> Commit:
        return self.commits[-1]

    @property
    def sha(self) -> str:
        return self.head.sha

    @property
    def last_modified(self) -> int:
        return self.head.date

    def commit_at(self, rev: str) -> Commit | None:
        if rev in ("main", "HEAD"):
            return self.head
        return next((c for c in self.commits if c.sha == rev), None)

    def commit_as_of(self, ts: int) -> Commit | None:
        found = None
        for commit in self.commits:
            if commit.date <= ts:
                found = commit
        return found

    def files(self, commit: Commit | None = None) -> list[str]:
        commit = commit or self.head
        files = [".gitattributes", "README.md"]
        if self.library_name in ("transformers", "sentence-transformers", None) and commit.components:
            files.append("config.json")
        for name in commit.components:
            files += expand_files(COMPONENTS[name], self.name, self.shards)
        if self.library_name == "transformers" and commit.components:
            files += ["tokenizer.json", "tokenizer_config.json"]
        return sorted(dict.fromkeys(files))

    def tags(self, commit: Commit | None = None) -> list[str]:
        commit = commit or self.head
        tags: list[str] = []
        if self.library_name:
            tags.append(self.library_name)
        for name in commit.components:
            tags += COMPONENTS[name].tags
        if self.pipeline_tag:
            tags.append(self.pipeline_tag)
        if self.tag_noise == "drop_pytorch":
            tags = [t for t in tags if t != "pytorch"]
        elif self.tag_noise:
            tags.append(self.tag_noise.removeprefix("add_"))
        if self.created > CLAMP and self.library_name:
            tags.append("autotrain_compatible" if self.index % 7 == 0 else "endpoints_compatible")
        tags.append("region:us")
        return list(dict.fromkeys(tags))

    def header_format(self, path: str, commit: Commit | None = None) -> str | bool | None:
        """The planted __metadata__.format of a safetensors file; False if the file is not one."""
        commit = commit or self.head
        for name in commit.components:
            component = COMPONENTS[name]
            if path in expand_files(component, self.name, self.shards) and path.endswith(".safetensors"):
                return component.header
        return False


class Population:
    """The models of one seed; `model(i, epoch)` builds one on demand (cached briefly)."""

    def __init__(self, models: int, seed: int = 0, hostile: bool = False) -> None:
        if models < 1:
            raise ValueError("a population needs at least one model")
        self.base = models
        self.seed = seed
        self.hostile = hostile  # plant markup in user-controlled fields (report escaping tests)
        self._model = lru_cache(maxsize=4096)(self._build)

    @cached_property
    def real(self) -> list[tuple[str, int, int, str | None]]:
        """The real (Liang 2022) models used for the oldest part: an even sample by creation date,
        plus the most downloaded ones (POPULAR, fewer in a tiny population), in creation order.
        Their number is the real data's share of the Hub (HUB_SIZE), but at least
        min(REAL_SHARE of the population, REAL_FLOOR): a 2021 cohort large enough for a stable split."""
        import polars as pl

        path = resources.files("hfscan.testing.fakehub").joinpath("data/liang2022_models.parquet")
        with resources.as_file(path) as file:
            frame = pl.read_parquet(file)
        proportional = round(self.base * frame.height / HUB_SIZE[-1][1])
        take = min(frame.height, max(proportional, min(math.ceil(self.base * REAL_SHARE), REAL_FLOOR)))
        if take < frame.height:
            step = frame.height / take
            rows = {int(j * step) for j in range(take)}
            top = frame.with_row_index().sort(["downloads", "index"], descending=[True, False])
            rows |= set(top["index"][: min(POPULAR, take // 10)].to_list())
            frame = frame[sorted(rows)]
        return [(r[0], r[1], r[2], None if r[3] in (None, "unknown") else r[3]) for r in frame.iter_rows()]

    @cached_property
    def popular_rank(self) -> dict[int, int]:
        """Index -> rank by downloads of the POPULAR most downloaded real models (ties by index)."""
        order = sorted(range(len(self.real)), key=lambda i: (-self.real[i][2], i))
        return {index: rank for rank, index in enumerate(order[: min(POPULAR, len(self.real) // 10)])}

    @cached_property
    def early_weights(self) -> tuple[list[str], list[float]]:
        """The mix of repos created up to 2021 other than the popular ones, chosen so that the whole
        cohort on 2021-12-14 (popular ones included) splits as EARLY_TARGET."""
        cut = _ts("2021-12-14T23:59:59")
        cohort = sum(1 for row in self.real if row[1] <= cut)
        popular = [popular_category(rank) for index, rank in self.popular_rank.items() if self.real[index][1] <= cut]
        return early_mix(cohort, popular, EARLY_TARGET)

    @cached_property
    def placeholder_split(self) -> int:
        """Indices below this one show CLAMP, those from it up to the last old repo CLAMP_LAST."""
        old = sum(1 for row in self.real if row[1] < CLAMP)
        return (old + 1) // 2

    def listed_created(self, index: int, created: int) -> int:
        if created >= CLAMP:
            return created
        return CLAMP if index < self.placeholder_split else CLAMP_LAST

    @cached_property
    def real_ids(self) -> dict[str, int]:
        return {row[0]: i for i, row in enumerate(self.real)}

    # ------------------------------------------------------------------ sizes and membership
    def size(self, epoch: int) -> int:
        """Indices ever created up to this epoch (deleted ones included)."""
        return self.base + epoch * self.new_per_epoch

    @property
    def new_per_epoch(self) -> int:
        return max(1, round(self.base * NEW_PER_EPOCH))

    def birth_epoch(self, index: int) -> int:
        return 0 if index < self.base else 1 + (index - self.base) // self.new_per_epoch

    def _u(self, index: int, salt: str) -> float:
        digest = hashlib.blake2b(f"{self.seed}:{index}:{salt}".encode(), digest_size=8).digest()
        return int.from_bytes(digest) / 2**64

    def deleted(self, index: int, epoch: int) -> bool:
        born = self.birth_epoch(index)
        return any(self._u(index, f"del{e}") < DELETED_PER_EPOCH for e in range(born + 1, epoch + 1))

    def exists(self, index: int, epoch: int) -> bool:
        return 0 <= index < self.size(epoch) and not self.deleted(index, epoch)

    def index_of(self, model_id: str) -> int | None:
        match = _SYNTHETIC_ID.match(model_id)
        if match:
            index = int(match.group(1), 36)
            return index if self.id_of(index) == model_id else None
        return self.real_ids.get(model_id)

    def id_of(self, index: int) -> str:
        if index < len(self.real):
            return self.real[index][0]
        rng = random.Random(self.seed * 1_000_003 + index)
        author = f"{rng.choice(_AUTHORS)}-lab-{_b36(rng.randrange(36**3))}"
        return f"{author}/{rng.choice(_WORDS)}-{rng.choice(['base', 'small', 'ft', 'lora', 'v2'])}-m{_b36(index)}"

    def created(self, index: int) -> int:
        """True creation time: monotone in index (index order is creation order)."""
        real = len(self.real)
        if index < real:
            return self.real[index][1]
        if index >= self.base:  # born in a later epoch: one day of new models per epoch
            epoch = self.birth_epoch(index)
            offset = (index - self.base) % self.new_per_epoch
            return BASE_END + (epoch - 1) * DAY + int(offset * DAY / self.new_per_epoch) + 1
        span = max(1, self.base - real)
        # The Hub's size by date: index order follows the published counts (HUB_SIZE).
        return hub_time((index - real + 0.5) / span, SYNTHETIC_START, BASE_END - 60)

    def model(self, index: int, epoch: int = 0) -> Model:
        return self._model(index, epoch)

    # ------------------------------------------------------------------ one model
    def _build(self, index: int, epoch: int) -> Model:
        rng = random.Random((self.seed << 32) ^ (index * 2_654_435_761) ^ 0x5EED)
        model_id = self.id_of(index)
        created = self.created(index)
        year = datetime.fromtimestamp(created, UTC).year
        rng.random()  # the draw the category once took: every later draw stays as it was
        popular = self.popular_rank.get(index) if index < len(self.real) else None
        if popular is not None:
            category = popular_category(popular)
        else:
            # A low-discrepancy sequence over creation order: any run of consecutive repos (a
            # cohort, the Hub as of a date) has the mix's proportions, even a small one.
            u = weyl(index, self.seed)
            category = pick_category(u, year, self.early_weights if year <= 2021 else None)
        components, library = CATEGORIES[category]
        if index < len(self.real):
            downloads, task = self.real[index][2], self.real[index][3]
        else:
            downloads = int(rng.lognormvariate(1.5, 2.6))
            task = rng.choice(_TASKS)
        if library is None and category in ("pt_plain", "pt_ckpt") and rng.random() < 0.3:
            library = rng.choice(["timm", "ultralytics", "stable-baselines3", "pyannote-audio"])
        if self.hostile and index % 10 == 3:
            task = HOSTILE_TEXT
        name = model_id.rsplit("/", 1)[-1]
        shards = rng.randint(2, 6)
        commits = self._history(index, rng, created, components, library, popular is not None)
        commits += self._epoch_commits(index, epoch, commits[-1])
        noise_roll = rng.random()
        tag_noise = None
        if noise_roll < 0.01 and "tf_h5" not in components:
            tag_noise = "add_tf"
        elif noise_roll < 0.02 and "pt_bin" in components:
            tag_noise = "drop_pytorch"
        elif noise_roll < 0.035 and "gguf" not in components:
            tag_noise = "add_gguf"
        gated: str | bool = False
        if rng.random() < 0.01:
            gated = rng.choice(["auto", "manual"])
        author = model_id.split("/")[0] if "/" in model_id else model_id
        listed = self.listed_created(index, created)
        hub_id = f"{listed:08x}{index:016x}"  # an ObjectId: 4 bytes of time, then 8 that grow
        if category == "st" and self._u(index, "st_tf") < 0.1:  # by hash: the random stream stays as it was
            category = "st_tf_tr"
            commits = [replace(c, components=tuple("st_tf" if n == "st_attr" else n for n in c.components))
                       for c in commits]
        model_type = configs.plant(self.seed, index, model_id, library, bool(components),
                                   index < len(self.real), category)
        return Model(index, model_id, hub_id, author, created, listed, library, task, category, name, shards,
                     tuple(commits), downloads, int(downloads ** 0.5 * rng.random()), gated, tag_noise, model_type)

    def _sha(self, index: int, number: int) -> str:
        return hashlib.sha1(f"{self.seed}/{index}/{number}".encode()).hexdigest()

    def _history(self, index: int, rng: random.Random, created: int, components: tuple[str, ...],
                 library: str | None, popular: bool = False) -> list[Commit]:
        """Initial upload, then the changes real repos went through (all before BASE_END). The popular
        models keep their frameworks (the draws still happen: the rest of the history stays put)."""
        events: list[tuple[int, str, str, tuple[str, ...] | None]] = []
        latest = BASE_END - DAY
        if rng.random() < 0.35:
            events.append((min(latest, created + rng.randint(60, 200 * DAY)), "Update README.md", "user", None))
        has_bin = "pt_bin" in components and library == "transformers"
        if has_bin and "tf_h5" not in components and created < _ts("2022-06-01T00:00:00"):
            rng.random()  # the draw this choice once took; a low-discrepancy one keeps 2021 stable
            if weyl(index, self.seed, 1) < ADD_TF_SHARE and not popular:
                events.append((min(latest, created + rng.randint(10 * DAY, 400 * DAY)), "Add TF weights",
                               "user", (*components, "tf_h5")))
        if has_bin and created < _ts("2024-03-01T00:00:00") and rng.random() < 0.4:
            start = max(created + DAY, BOT_START)
            if start < latest:
                when = start + int(rng.random() * min(900 * DAY, latest - start))
                events.append((when, "Adding `safetensors` variant of this model", BOT, ("add", "st_attr")))
        if "tf_h5" in components and "pt_bin" in components and rng.random() < 0.08 and not popular:
            when = max(created + DAY, _ts("2024-06-01T00:00:00")) + rng.randint(0, 300 * DAY)
            events.append((min(latest, when), "Delete tf_model.h5", "user", ("drop", "tf_h5")))
        # Card edits over the years: a log longer than the commit log's default page of 50.
        if self._u(index, "long") < LONG_HISTORY_SHARE * (6 if created < CLAMP else 1):
            step = max(1, (latest - created) // (LONG_HISTORY + 1))
            events += [(min(latest, created + step * k), "Update README.md", "user", None)
                       for k in range(1, LONG_HISTORY + 1)]
        events.sort(key=lambda e: e[0])
        current = components
        commits = [Commit(self._sha(index, 0), self._first_commit(index, created), "initial commit", "user",
                          current, 0)]
        readme = 0
        for number, (when, title, who, change) in enumerate(events, start=1):
            when = max(when, commits[-1].date + 1)
            if change is None:
                readme += 1
            elif change[0] == "add":
                current = (*current, change[1]) if change[1] not in current else current
            elif change[0] == "drop":
                current = tuple(c for c in current if c != change[1])
            else:
                current = change
            # Numbers from 100 up are the epoch commits' (100 + epoch): long logs skip past them.
            sha = self._sha(index, number if number < 100 else 1000 + number)
            commits.append(Commit(sha, when, title, who, current, readme))
        return commits

    def _first_commit(self, index: int, created: int) -> int:
        """Creation, except for planted cases: a history squashed 2-20 days after creation, or 32-45
        days (past a month end) for a third of them (the squash keeps the initial files), or a first
        commit pushed with a date up to 4 years old. Squashes are picked by a low-discrepancy
        sequence: every run of a few hundred newer repos has both kinds."""
        if index < len(self.real) or index >= self.base:
            return created
        u = weyl(index, self.seed, 2)
        r = self._u(index, "squash-days")
        days = 32 + 13 * r if u < SQUASHED_SHARE / 3 else 2 + 18 * r
        squashed = created + int(days * DAY)
        if created >= SQUASH_START and squashed < BASE_END - DAY and u < SQUASHED_SHARE:
            return squashed
        if created >= BACKDATE_START and self._u(index, "backdate") < BACKDATED_SHARE:
            return created - int((30 + 1400 * self._u(index, "backdate-days")) * DAY)
        return created

    def _epoch_commits(self, index: int, epoch: int, head: Commit) -> list[Commit]:
        commits: list[Commit] = []
        born = self.birth_epoch(index)
        for e in range(born + 1, epoch + 1):
            if self._u(index, f"chg{e}") >= CHANGED_PER_EPOCH:
                continue
            last = commits[-1] if commits else head
            when = max(BASE_END + (e - 1) * DAY + int(self._u(index, f"when{e}") * DAY), last.date + 1)
            if "pt_bin" in last.components and "st_attr" not in last.components:
                commits.append(Commit(self._sha(index, 100 + e), when, "Adding `safetensors` variant of this model",
                                      BOT, (*last.components, "st_attr"), last.readme_rev))
            else:
                commits.append(Commit(self._sha(index, 100 + e), when, "Update README.md", "user",
                                      last.components, last.readme_rev + 1))
        return commits
