"""The fake Hub's receiving side: the upload protocol huggingface_hub 2.4 speaks, and the repos it builds.

What the client sends (read in huggingface_hub 2.4: `hf_api.py` create_repo / create_commit /
_validate_yaml, `_commit_api.py` _fetch_upload_modes / _upload_files / _send_commit, `lfs.py`
post_lfs_batch_info / lfs_upload; docs/HUB_PROTOCOL.md "Uploads"):

- POST /api/repos/create          {"name", "organization", "type", "visibility"?} → {"url", "name", "id"};
                                   409 when it exists (create_repo(exist_ok=True) accepts 409)
- POST /api/validate-yaml         {"content", "repoType"} → {"errors": [], "warnings": []}
- POST /api/{type}s/{repo}/preupload/{rev}   {"files": [{path, sample, size}]}
                                   → {"files": [{path, uploadMode: lfs|regular, shouldIgnore, oid}]}
- POST /{prefix}{repo}.git/info/lfs/objects/batch   git-lfs batch API, basic transfer; an object
                                   already stored gets no `actions` (the client skips its upload)
- PUT  the `upload.href` we hand out (this server, /_lfs/...), then POST the `verify.href`
- POST /api/{type}s/{repo}/commit/{rev}   NDJSON: header, file (base64), lfsFile (sha256 oid),
                                   deletedFile, deletedFolder → {"commitOid", "commitUrl", ...}

A commit is applied under one lock: all of it or nothing (the Hub's commits are atomic), so a
client killed mid-upload leaves the repo at its previous commit; uploaded LFS objects stay stored
(as on the Hub) and a retry's batch call skips them.

Users: `Uploads.add_user(name)` returns a token; writes need `Authorization: Bearer <token>` of a
user whose name is the repo's namespace (401 for an unknown token, 403 for someone else's repo).
Uploaded repos are kept in memory and served by the server's dataset routes (info, tree,
paths-info, commits, resolve) like the planted dumps repo.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from hfscan.testing.fakehub.population import iso

# The patterns the Hub's default .gitattributes sends to LFS (a subset: what hfscan uploads), and the
# size above which the Hub answers "lfs" whatever the name.
LFS_PATTERNS = ("*.parquet", "*.arrow", "*.bin", "*.safetensors", "*.zst", "*.gz")
LFS_MIN_SIZE = 10 * 1024 * 1024
GITATTRIBUTES = "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in LFS_PATTERNS).encode()
POINTER_SIZE = 134


def git_blob_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class UploadError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass(frozen=True)
class Blob:
    data: bytes
    lfs: bool

    @property
    def oid(self) -> str:
        return git_blob_oid(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class UploadCommit:
    sha: str
    date: int
    title: str
    author: str
    tree: dict[str, Blob]


@dataclass
class UploadedRepo:
    """A repo built by uploads, with the read interface of datasets_repo.DatasetRepo."""

    id: str
    repo_type: str
    private: bool
    commits: list[UploadCommit] = field(default_factory=list)  # oldest first

    @property
    def head(self) -> UploadCommit:
        return self.commits[-1]

    @property
    def hub_id(self) -> str:
        return hashlib.sha1(self.id.encode()).hexdigest()[:24]

    def commit_at(self, rev: str) -> UploadCommit | None:
        if rev in ("main", "HEAD", "refs/heads/main", "refs%2Fheads%2Fmain"):
            return self.head
        return next((c for c in self.commits if c.sha == rev), None)

    def files(self, commit: UploadCommit) -> list[str]:
        return sorted(commit.tree)

    def oid(self, commit: UploadCommit, path: str) -> str:
        blob = commit.tree[path]
        return blob.sha256 if blob.lfs else blob.oid

    def body(self, commit: UploadCommit, path: str) -> bytes:
        return commit.tree[path].data


# ---------------------------------------------------------------- the read answers (server dataset routes)
def dataset_info(repo: UploadedRepo, commit: UploadCommit) -> dict[str, Any]:
    return {"_id": repo.hub_id, "id": repo.id, "author": repo.id.split("/")[0], "sha": commit.sha,
            "createdAt": iso(repo.commits[0].date), "lastModified": iso(commit.date), "private": repo.private,
            "gated": False, "disabled": False, "downloads": 0, "likes": 0, "tags": [],
            "siblings": [{"rfilename": path} for path in repo.files(commit)]}


def entry(repo: UploadedRepo, commit: UploadCommit, path: str) -> dict[str, Any]:
    if path not in commit.tree:  # a folder
        return {"type": "directory", "oid": hashlib.sha1(f"{commit.sha}/{path}".encode()).hexdigest(),
                "size": 0, "path": path}
    blob = commit.tree[path]
    item: dict[str, Any] = {"type": "file", "oid": blob.oid, "size": len(blob.data), "path": path}
    if blob.lfs:
        item["lfs"] = {"oid": blob.sha256, "size": len(blob.data), "pointerSize": POINTER_SIZE}
    return item


def _folders(commit: UploadCommit) -> set[str]:
    return {"/".join(path.split("/")[:i]) for path in commit.tree for i in range(1, path.count("/") + 1)}


def tree(repo: UploadedRepo, commit: UploadCommit, under: str, recursive: bool) -> list[dict[str, Any]]:
    """The entries below `under` (children only unless recursive), folders included, as the Hub lists them."""
    prefix = under.strip("/")
    paths = sorted(set(commit.tree) | _folders(commit))
    if prefix and prefix in commit.tree:
        return [entry(repo, commit, prefix)]
    start = f"{prefix}/" if prefix else ""
    below = [p for p in paths if p.startswith(start) and (recursive or "/" not in p[len(start):])]
    return [entry(repo, commit, p) for p in below]


def paths_info(repo: UploadedRepo, commit: UploadCommit, paths: list[str]) -> list[dict[str, Any]]:
    known = set(commit.tree) | _folders(commit)
    return [entry(repo, commit, p) for p in paths if p in known]


def commit_items(repo: UploadedRepo, commit: UploadCommit) -> list[dict[str, Any]]:
    return [{"id": c.sha, "title": c.title, "message": c.title + "\n", "authors": [{"user": c.author, "avatar": None}],
             "date": iso(c.date)} for c in reversed(repo.commits) if c.date <= commit.date]


# ---------------------------------------------------------------- the write side
def upload_route(path: str) -> tuple[str, str | None, str | None] | None:
    """(route, repo id, LFS oid) of a receiving route, None for every other path."""
    if path == "/api/repos/create":
        return "repo_create", None, None
    if path == "/api/validate-yaml":
        return "validate_yaml", None, None
    parts = path.strip("/").split("/")
    if path.startswith("/api/datasets/") and len(parts) >= 5 and parts[4] == "xet-write-token":
        return "xet_token", f"{parts[2]}/{parts[3]}", None
    if path.startswith("/api/datasets/") and len(parts) >= 5 and parts[4] in ("preupload", "commit"):
        return ("preupload" if parts[4] == "preupload" else "commit_upload"), f"{parts[2]}/{parts[3]}", None
    if path.startswith("/datasets/") and path.endswith(".git/info/lfs/objects/batch") and len(parts) == 7:
        return "lfs_batch", f"{parts[1]}/{parts[2].removesuffix('.git')}", None
    if path.startswith("/_lfs/") and len(parts) in (4, 5):
        return ("lfs_upload" if len(parts) == 4 else "lfs_verify"), f"{parts[1]}/{parts[2]}", parts[3]
    return None


def validate_yaml(payload: dict[str, Any]) -> dict[str, Any]:
    """The card's YAML header must parse to a mapping (the Hub checks much more: this is the gist)."""
    import yaml

    content = str(payload.get("content", ""))
    if content.startswith("---"):
        header = content[3:].split("\n---", 1)[0]
        try:
            parsed = yaml.safe_load(header)
        except yaml.YAMLError as e:
            raise UploadError(400, f"Invalid YAML in README.md: {e}") from e
        if parsed is not None and not isinstance(parsed, dict):
            raise UploadError(400, "README.md metadata must be a YAML mapping")
    return {"errors": [], "warnings": []}


class Uploads:
    """Users, LFS objects and the receiving routes' logic (no HTTP here: the server calls in)."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}  # token -> user name
        self.objects: dict[tuple[str, str], bytes] = {}  # (repo id, sha256) -> content: each repo's LFS store
        self.lock = threading.Lock()

    def add_user(self, name: str) -> str:
        token = "hf_fake" + hashlib.sha256(f"fakehub-user/{name}".encode()).hexdigest()[:30]
        self.tokens[token] = name
        return token

    def user(self, authorization: str | None) -> str:
        if not authorization:
            raise UploadError(401, "Invalid username or password.")
        token = authorization.removeprefix("Bearer ").strip()
        if token not in self.tokens:
            raise UploadError(401, "Invalid credentials in Authorization header")
        return self.tokens[token]

    @staticmethod
    def may_write(user: str, repo_id: str) -> None:
        if repo_id.split("/")[0] != user:
            raise UploadError(403, f"You don't have the rights to write to {repo_id}", "Forbidden")

    def create(self, datasets: dict[str, Any], user: str, payload: dict[str, Any], url: str) -> tuple[int, dict[str, Any]]:
        name, owner = payload.get("name"), payload.get("organization") or user
        repo_type = payload.get("type") or "model"
        if not isinstance(name, str) or not name or repo_type != "dataset":
            raise UploadError(400, "the fake Hub creates dataset repos only, with a name")
        repo_id = f"{owner}/{name}"
        with self.lock:
            if owner != user:  # checked first: someone else's existing repo answers 403, not 409
                raise UploadError(403, f'You don\'t have the rights to create a {repo_type} under the namespace "{owner}"')
            if repo_id in datasets:
                # huggingface_hub's create_repo(exist_ok=True) reads "url" from the 409 body too.
                return 409, {"error": f"You already created this {repo_type} repo",
                             "url": f"{url}/datasets/{repo_id}"}
            repo = UploadedRepo(repo_id, repo_type, payload.get("visibility") == "private" or bool(payload.get("private")))
            initial = {".gitattributes": Blob(GITATTRIBUTES, lfs=False)}
            repo.commits.append(UploadCommit(_sha(repo_id, "", b"initial"), int(time.time()), "initial commit",
                                             user, initial))
            datasets[repo_id] = repo
        return 200, {"url": f"{url}/datasets/{repo_id}", "name": repo_id, "id": repo.hub_id}

    @staticmethod
    def preupload(repo: UploadedRepo, payload: dict[str, Any]) -> dict[str, Any]:
        files = []
        for item in payload.get("files", []):
            path, size = item["path"], int(item["size"])
            lfs = size >= LFS_MIN_SIZE or any(fnmatch.fnmatch(path.rsplit("/", 1)[-1], p) for p in LFS_PATTERNS)
            current = repo.head.tree.get(path)
            files.append({"path": path, "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False,
                          "oid": (current.sha256 if current.lfs else current.oid) if current else None})
        return {"files": files, "commitOid": repo.head.sha}

    def batch(self, url: str, repo_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("operation") != "upload" or "basic" not in payload.get("transfers", ["basic"]):
            raise UploadError(400, "the fake Hub offers the basic upload transfer only")
        objects = []
        for obj in payload.get("objects", []):
            oid, size = str(obj["oid"]), int(obj["size"])
            answer: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
            if (repo_id, oid) not in self.objects:
                answer["actions"] = {"upload": {"href": f"{url}/_lfs/{repo_id}/{oid}", "header": {}},
                                     "verify": {"href": f"{url}/_lfs/{repo_id}/{oid}/verify", "header": {}}}
            objects.append(answer)
        return {"transfer": "basic", "objects": objects}

    def put_object(self, repo_id: str, oid: str, body: bytes) -> None:
        if hashlib.sha256(body).hexdigest() != oid:
            raise UploadError(400, "content does not match the oid")
        with self.lock:
            self.objects[(repo_id, oid)] = body

    def verify(self, repo_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        stored = self.objects.get((repo_id, str(payload.get("oid"))))
        if stored is None or len(stored) != payload.get("size"):
            raise UploadError(404, "Object not found")
        return {"success": True}

    def commit(self, repo: UploadedRepo, user: str, body: bytes, url: str) -> dict[str, Any]:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            raise UploadError(400, "the commit payload starts with a header line")
        header = lines[0]["value"]
        with self.lock:  # all of the commit or nothing
            tree = dict(repo.head.tree)
            if header.get("parentCommit") and header["parentCommit"] != repo.head.sha:
                raise UploadError(412, "A commit has happened since. Please refresh and try again.")
            for line in lines[1:]:
                key, value = line["key"], line["value"]
                if key == "file":
                    tree[value["path"]] = Blob(base64.b64decode(value["content"]), lfs=False)
                elif key == "lfsFile":
                    data = self.objects.get((repo.id, value["oid"]))
                    if data is None:
                        raise UploadError(422, f"LFS object {value['oid']} for {value['path']} was never uploaded")
                    tree[value["path"]] = Blob(data, lfs=True)
                elif key == "deletedFile":
                    tree.pop(value["path"], None)
                elif key == "deletedFolder":
                    prefix = value["path"].rstrip("/") + "/"
                    tree = {p: b for p, b in tree.items() if not p.startswith(prefix)}
                else:
                    raise UploadError(400, f"unknown commit operation {key!r}")
            sha = _sha(repo.id, repo.head.sha, body)
            date = max(int(time.time()), repo.head.date + 1)  # dates strictly increase along the log
            repo.commits.append(UploadCommit(sha, date, header.get("summary") or "update", user, tree))
        return {"success": True, "commitOid": sha, "commitUrl": f"{url}/datasets/{repo.id}/commit/{sha}",
                "commitMessage": header.get("summary"), "pullRequestUrl": None}


def _sha(repo_id: str, parent: str, body: bytes) -> str:
    return hashlib.sha1(f"{repo_id}/{parent}/".encode() + body).hexdigest()
