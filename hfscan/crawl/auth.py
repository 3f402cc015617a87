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


def plain_http_warning(endpoint: str, token: str | None) -> str | None:
    """A warning when a token would travel unencrypted to anything but this machine, else None."""
    import ipaddress
    from urllib.parse import urlsplit

    split = urlsplit(endpoint)
    if not token or split.scheme.lower() != "http":
        return None
    host = (split.hostname or "").lower()
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return None
    return (f"warning: the token is sent unencrypted to {host} (plain http); use https, or unset HF_TOKEN "
            "for this endpoint")
