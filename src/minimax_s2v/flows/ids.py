"""`file_id` is a string in the query answer and an int64 in retrieve (an upstream mismatch).

The spec keeps both wire types as upstream documents them; these two functions are the one place
that converts, and they refuse anything that is not a plain decimal id instead of guessing.
"""

from __future__ import annotations

import re

from minimax_s2v.errors.exceptions import InputError

_DECIMAL = re.compile(r"[0-9]{1,19}")
_INT64_MAX = 2**63 - 1


def file_id_for_retrieve(file_id: str | int) -> int:
    """The int64 that GET /v1/files/retrieve expects, from either wire form."""
    if isinstance(file_id, bool):
        raise InputError(f"file_id must be a decimal id, got {file_id!r}")
    if isinstance(file_id, int):
        value = file_id
    elif isinstance(file_id, str) and _DECIMAL.fullmatch(file_id.strip()):
        value = int(file_id.strip())
    else:
        raise InputError(f"file_id must be a decimal id, got {file_id!r}")
    if value <= 0:
        raise InputError(f"file_id must be a positive decimal id, got {value}")
    if value > _INT64_MAX:
        raise InputError(f"file_id {value} is outside the int64 range retrieve accepts")
    return value


def file_id_as_string(file_id: str | int) -> str:
    """The string form the query API and callbacks use."""
    return str(file_id_for_retrieve(file_id))
