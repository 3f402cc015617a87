"""The token for Hub calls, and huggingface_hub's own console output.

The token is read from the environment (or huggingface_hub's own login) at call time and is only
ever handed to huggingface_hub's header builder: it is never stored, logged or printed.
"""

from __future__ import annotations


def resolve_token(token: str | None = None) -> str | None:
    """The token for Hub calls: explicit, else HF_TOKEN, else huggingface_hub's stored login."""
    if token:
        return token
    from huggingface_hub import get_token

    return get_token()


def quiet_hub_progress() -> None:
    """Silence huggingface_hub's own progress bars: hfscan reports its own progress."""
    from huggingface_hub.utils import disable_progress_bars

    disable_progress_bars()
