"""Extract the one ````yaml block that an upstream docs page publishes for an operation."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# Upstream (Mintlify) opens the block with four backticks, `yaml`, the source spec path, and the
# operation: "````yaml /api-reference/.../openapi.json POST /v1/video_generation".
_OPEN = re.compile(r"^````yaml(?:[ \t]+(?P<info>.*?))?[ \t]*$")
_CLOSE = re.compile(r"^````[ \t]*$")
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


class PageError(ValueError):
    """The page does not hold exactly one well-formed YAML block."""


@dataclass(frozen=True)
class SpecBlock:
    text: str
    source: str
    """The spec path named on the opening line (upstream's file, not a URL)."""
    method: str
    path: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def operation(self) -> str:
        return f"{self.method.upper()} {self.path}"


def extract_block(page: str, *, origin: str = "page") -> SpecBlock:
    """Return the page's single ````yaml block, byte for byte (the lines between the fences)."""
    lines = page.splitlines(keepends=True)
    blocks: list[tuple[str, list[str]]] = []
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i].rstrip("\r\n"))
        if not match:
            i += 1
            continue
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not _CLOSE.match(lines[j].rstrip("\r\n")):
            body.append(lines[j])
            j += 1
        if j == len(lines):
            raise PageError(f"{origin}: the ````yaml block opened on line {i + 1} is never closed")
        blocks.append((match.group("info") or "", body))
        i = j + 1
    if not blocks:
        raise PageError(f"{origin}: no ````yaml block found; is this an upstream API docs page?")
    if len(blocks) > 1:
        raise PageError(
            f"{origin}: {len(blocks)} ````yaml blocks found; expected exactly one per page"
        )
    info, body = blocks[0]
    parts = info.split()
    if len(parts) != 3 or parts[1].lower() not in _METHODS or not parts[2].startswith("/"):
        raise PageError(
            f"{origin}: the block's opening line should read '````yaml SOURCE METHOD /path', "
            f"got '````yaml {info}'"
        )
    return SpecBlock(text="".join(body), source=parts[0], method=parts[1].lower(), path=parts[2])
