"""Every answer of a spec operation held to the bundled spec, as findings (not exceptions).

The layer's `SpecValidator` finds the operation and its compiled answer schema; its reference
(`jsonschema`) validator lists every schema error, not only the first. On top: fields the schema
does not declare, and MiniMax's own convention as the Schemathesis checks read it
(`conformance.server.minimax_checks`: documented `base_resp` codes, success payload iff code 0).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
from jsonschema.exceptions import ValidationError

from conformance.live.findings import (
    MISSING_REQUIRED,
    TYPE_MISMATCH,
    UNDOCUMENTED_CODE,
    UNDOCUMENTED_FIELD,
    UNDOCUMENTED_HTTP,
    UNKNOWN_ENUM,
    Finding,
)
from conformance.server.minimax_checks import (
    REQUEST_LEVEL_CODES,
    operation_codes,
    success_payload_problems,
)
from minimax_s2v.validation import SpecValidator
from minimax_s2v.validation.spec import resolve
from minimax_s2v.validation.wire import is_json_media, loads, media_type

Scrub = Callable[[str], str]
OBSERVED_CHARS = 160


def _path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


class Auditor:
    """`audit(request, response)`: the findings for one exchange (none for unknown URLs)."""

    def __init__(self, validator: SpecValidator, scrub: Scrub) -> None:
        self.validator = validator
        self.spec = validator.spec
        self.scrub = scrub

    def _observed(self, value: object) -> str:
        """What came, scrubbed whole and only then shortened (a cut key would not match)."""
        text = value if isinstance(value, str) else json.dumps(value, default=repr)
        text = self.scrub(text)
        return text if len(text) <= OBSERVED_CHARS else text[: OBSERVED_CHARS - 3] + "..."

    def operation_of(self, request: httpx.Request) -> str | None:
        op = self.validator.route(request)[1]
        return None if op is None else op.operation_id

    def audit(self, request: httpx.Request, response: httpx.Response) -> list[Finding]:
        op = self.validator.route(request)[1]
        if op is None:
            return []
        definition: dict[str, Any] = self.spec["paths"][op.path][op.method.lower()]
        documented = sorted(op.responses)
        status = str(response.status_code)
        if status not in op.responses:
            shown_media = media_type(response.headers) or "no Content-Type"
            snippet = response.content[:4096].decode("utf-8", "replace")
            observed = self._observed(f"HTTP {status} ({shown_media}): {snippet!r}")
            spec = f"HTTP {', '.join(documented)} only"
            return [Finding(op.operation_id, UNDOCUMENTED_HTTP, f"HTTP {status}", observed, spec)]
        compiled = op.responses[status]
        if compiled is None:
            return []
        media = media_type(response.headers)
        try:
            if media is not None and not is_json_media(media):
                raise ValueError(f"{media} body")
            body = loads(response.content)
        except (ValueError, RecursionError) as exc:
            observed = self._observed(f"not JSON ({exc}): {response.content[:4096]!r}")
            return [Finding(op.operation_id, TYPE_MISMATCH, "$", observed, "a JSON object")]
        findings = [
            self._schema_finding(op.operation_id, e) for e in _errors(compiled.reference, body)
        ]
        findings += self._undocumented_fields(op.operation_id, body, compiled.schema)
        seen = {f.where for f in findings}
        # A success field of the wrong type also reads as "missing" to the convention: once.
        findings += [
            f for f in self._convention(op.operation_id, definition, body) if f.where not in seen
        ]
        return findings

    def _schema_finding(self, operation: str, error: ValidationError) -> Finding:
        where = _path(error.absolute_path)
        kind = str(error.validator)
        if kind == "required" and isinstance(error.instance, Mapping):
            required: Any = error.validator_value
            missing = [n for n in required if n not in error.instance]
            name = missing[0] if missing else "?"
            where = f"{where}.{name}"
            return Finding(operation, MISSING_REQUIRED, where, "absent", "required")
        observed = self._observed(error.instance)
        if kind in ("enum", "const"):
            return Finding(
                operation, UNKNOWN_ENUM, where, observed, f"one of {error.validator_value}"
            )
        if kind == "type":
            return Finding(
                operation, TYPE_MISMATCH, where, observed, f"type {error.validator_value}"
            )
        if kind in ("additionalProperties", "unevaluatedProperties"):
            return Finding(operation, UNDOCUMENTED_FIELD, where, observed, "no other properties")
        return Finding(
            operation, TYPE_MISMATCH, where, observed, f"{kind}: {error.validator_value}"
        )

    def _undocumented_fields(self, operation: str, body: Any, schema: Any) -> list[Finding]:
        return [
            Finding(
                operation, UNDOCUMENTED_FIELD, where, self._observed(value), "not in the schema"
            )
            for where, value in _unknown_keys(self.spec, body, schema, "$")
        ]

    def _convention(self, operation: str, definition: dict[str, Any], body: Any) -> list[Finding]:
        base = body.get("base_resp") if isinstance(body, dict) else None
        code = base.get("status_code") if isinstance(base, dict) else None
        if type(code) is not int:
            return []  # the schema findings already say what is wrong with base_resp
        findings: list[Finding] = []
        documented = operation_codes(self.spec, definition)
        if code not in documented | REQUEST_LEVEL_CODES:
            message = base.get("status_msg") if isinstance(base, dict) else None
            observed = self._observed(f"{code} {message!r}")
            spec = f"documented {sorted(documented)} + request-level {sorted(REQUEST_LEVEL_CODES)}"
            findings.append(
                Finding(operation, UNDOCUMENTED_CODE, f"base_resp {code}", observed, spec)
            )
        for where, problem in success_payload_problems(operation, body, code):
            missing = problem.startswith("code 0 but") or "without" in problem
            kind = MISSING_REQUIRED if missing else UNDOCUMENTED_FIELD
            findings.append(
                Finding(operation, kind, where, self._observed(problem), "present iff code 0")
            )
        return findings


def _errors(reference: Any, body: Any) -> Iterator[ValidationError]:
    """Every schema error, innermost first for combinators (anyOf/oneOf say little alone)."""
    for error in reference.iter_errors(body):
        if error.context:
            yield from error.context
        else:
            yield error


def _unknown_keys(
    spec: dict[str, Any], value: Any, schema: Any, where: str
) -> Iterator[tuple[str, Any]]:
    """(JSON path, value) of each object key the (resolved) schema does not declare."""
    schema = resolve(spec, schema)[0]
    if not isinstance(schema, Mapping):
        return
    if isinstance(value, dict):
        properties = schema.get("properties")
        if not isinstance(properties, Mapping):
            return  # a free-form object: nothing is undocumented in it
        for key, item in value.items():
            if key in properties:
                yield from _unknown_keys(spec, item, properties[key], f"{where}.{key}")
            else:
                yield f"{where}.{key}", item
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for i, item in enumerate(value):
            yield from _unknown_keys(spec, item, schema["items"], f"{where}[{i}]")


def summary(finding: Finding) -> str:
    """One line for logs and assertion messages."""
    return json.dumps([finding.operation, finding.kind, finding.where, finding.observed])
