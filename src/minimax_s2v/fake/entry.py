"""The rules for starting the fake on a socket.

`minimax-video fake-server` (which `python -m minimax_s2v.fake` runs too) parses its options
with these functions: a host that is not loopback is refused (the fake accepts a published key:
on a shared network anyone could use it) unless explicitly allowed, and stage seconds or fault
specs that make no sense are usage errors, never a traceback.
"""

from __future__ import annotations

import ipaddress

from minimax_s2v.fake.faults import Faults

LOOPBACK_ONLY = (
    "the fake accepts a published key: bind it to a loopback address (127.0.0.1, ::1, "
    "localhost), or pass --allow-non-loopback if you really mean to expose it"
)
MAX_STAGE_SECONDS = 86400.0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_host(host: str, allow_non_loopback: bool = False) -> str:
    """`host`, or ValueError when it is not loopback and that was not explicitly allowed."""
    if not is_loopback(host) and not allow_non_loopback:
        raise ValueError(LOOPBACK_ONLY)
    return host


def parse_stage_seconds(text: str) -> tuple[float, float, float]:
    """ "P,Q,R": seconds in Preparing, Queueing, Processing; each 0 <= s < 86400."""
    try:
        parts = tuple(float(part) for part in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or any(not 0 <= p < MAX_STAGE_SECONDS for p in parts):
        raise ValueError(
            "give three seconds from 0 to 86400, e.g. 2,2,5 (Preparing,Queueing,Processing); "
            f"got {text!r}"
        )
    return parts[0], parts[1], parts[2]


def parse_faults(text: str) -> Faults:
    """A fault spec such as 'seed=7,rate_limit=0.2'; ValueError with the reason otherwise."""
    try:
        return Faults.parse(text)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad fault spec {text!r}: {exc}") from None
