"""Pre-rendered listing pages, served as fast as a socket allows, so benchmarks measure the client.

    python bench/pageserver.py --models 3000000 --seed 7 [--latency-ms 200]

The first run lists the fake Hub (`hfscan.testing.fakehub`, in this process) once with the fields
`hfscan scan` asks for and keeps every page's body under the cache directory; later runs reuse it.
Then it prints its URL and serves `GET /api/models` from those files: the `cursor` parameter is
the page number, `Link: rel="next"` carries the caller's other parameters unchanged, and bodies go
out with sendfile. `--latency-ms` sleeps before each page, as a far-away Hub would.

Every contender asks for the same fields in the same order of models, so one set of pages serves
them all; the server ignores the other parameters rather than re-rendering.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "hfscan-bench-pages"


def page_dir(cache: Path, models: int, seed: int) -> Path:
    return cache / f"{models}-{seed}"


def render(cache: Path, models: int, seed: int) -> Path:
    """The pages of a (models, seed) population, rendered once (a complete set has a `pages` file)."""
    from hfscan.crawl.listing import listing_params
    from hfscan.testing.fakehub import FakeHub

    target = page_dir(cache, models, seed)
    if (target / "pages").exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f"{models}-{seed}.", dir=cache))
    try:
        with FakeHub(models=models, seed=seed) as hub:
            url: str | None = f"{hub.url}/api/models?{urlencode(listing_params('createdAt', 1000))}"
            number = 0
            while url:
                with urllib.request.urlopen(url, timeout=600) as response:
                    body, link = response.read(), response.headers.get("Link")
                number += 1
                (partial / f"{number:06d}.json").write_bytes(body)
                url = link.split(";", 1)[0].strip().strip("<>") if link else None
        (partial / "pages").write_text(str(number))
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def make_server(pages: Path, latency_ms: int, port: int = 0, first: int | None = None) -> ThreadingHTTPServer:
    count = int((pages / "pages").read_text())
    if first:  # a shorter listing cut from a rendered one: its newest `first` pages
        count = min(count, first)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: every contender reuses its connection

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            split = urlsplit(self.path)
            query = [(k, v) for k, v in parse_qsl(split.query, keep_blank_values=True) if k != "cursor"]
            cursor = dict(parse_qsl(split.query)).get("cursor", "1")
            if split.path != "/api/models" or not cursor.isdigit() or not 1 <= int(cursor) <= count:
                self.send_error(404)
                return
            number = int(cursor)
            if latency_ms:
                time.sleep(latency_ms / 1000)
            path = pages / f"{number:06d}.json"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(path.stat().st_size))
            if number < count:
                next_query = urlencode([*query, ("cursor", str(number + 1))])
                self.send_header("Link", f'<{self.server.url}/api/models?{next_query}>; rel="next"')  # type: ignore[attr-defined]
            self.end_headers()
            with path.open("rb") as body:
                self.connection.sendfile(body)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--pages", type=int, default=None, help="serve only the first N pages (1,000 models each)")
    parser.add_argument("--render-only", action="store_true", help="render the pages and exit")
    args = parser.parse_args()
    pages = render(args.cache, args.models, args.seed)
    if args.render_only:
        print(pages)
        return 0
    server = make_server(pages, args.latency_ms, first=args.pages)
    print(server.url, flush=True)  # type: ignore[attr-defined]
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
