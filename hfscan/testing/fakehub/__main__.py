"""`python -m hfscan.testing.fakehub --models N --seed S --port P [--truth FILE]`.

Prints the server's URL on stdout (one line, so a script can read it) and serves until killed.
Control it over HTTP: GET /_fakehub/truth, /_fakehub/stats, /_fakehub/model/{id};
POST /_fakehub/faults (a JSON list), POST /_fakehub/epoch?e=N,
POST /_fakehub/access (a JSON object: model id -> gone | private | gated | disabled),
POST /_fakehub/gate_access (a JSON object: token -> the gated model ids its user accepted, or ["*"]).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hfscan.testing.fakehub import FakeHub


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hfscan.testing.fakehub", description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000, help="population size at epoch 0")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--epoch", type=int, default=0, help="start at this epoch of churn")
    parser.add_argument("--truth", type=Path, help="write the planted answers here (JSON) and go on serving")
    parser.add_argument("--as-of", action="append", default=[], help="add as-of counts for this date (repeatable)")
    parser.add_argument("--per-model", action="store_true", help="include every model's answer in --truth")
    parser.add_argument("--truth-only", action="store_true", help="write --truth and exit")
    args = parser.parse_args(argv)
    if args.models < 1:
        parser.error("--models must be at least 1")
    hub = FakeHub(models=args.models, seed=args.seed, port=args.port)
    hub.set_epoch(args.epoch)
    if args.truth:
        args.truth.write_text(json.dumps(hub.truth(args.as_of, args.per_model), indent=1))
        if args.truth_only:
            return 0
    print(hub.url, flush=True)
    try:
        hub.start()._thread.join()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        hub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
