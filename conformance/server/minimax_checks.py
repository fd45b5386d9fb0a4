"""Schemathesis checks for MiniMax's convention, which the default checks cannot see.

MiniMax answers errors as HTTP 200 with a non-zero `base_resp.status_code`. The default checks
look at HTTP statuses, so three of them misfire on every such answer (switched off in
schemathesis.toml);
these checks replace them by reading `base_resp`:

- `base_resp_present`: every answer of a documented operation carries `base_resp.status_code`;
- `documented_status_code`: that code is one the operation documents (`x-minimax-status-codes`
  in the bundled spec) or a request-level code (`REQUEST_LEVEL_CODES`, see below);
- `success_payload_iff_zero`: the operation's payload (task_id / file / ...) is there if and
  only if the code is 0;
- `invalid_request_rejected`: a request that breaks the spec *as it was sent* (re-validated here
  from the wire, not from what Schemathesis meant to send), or that carries no bearer key, gets
  a non-zero code;
- `auth_enforced`: once per operation, after a code-0 answer, the same request without the key
  and with a wrong key must get 1004 or 2049 (replaces `ignored_auth`, which wants HTTP 401).

Plain functions, not registered globally on import (other suites share the process); pass
`MINIMAX_CHECKS` as `additional_checks=`, or load `conformance.server.schemathesis_hooks` with
`SCHEMATHESIS_HOOKS` for the CLI.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Final, TypeAlias

import httpx
from requests.structures import CaseInsensitiveDict
from schemathesis import Case, CheckContext, CheckFunction, Response

from minimax_s2v.errors.exceptions import RequestValidationError
from minimax_s2v.validation import SpecValidator
from minimax_s2v.validation.spec import resolve

REQUEST_LEVEL_CODES: Final = frozenset({1002, 1004, 2013, 2049})
"""Rate limit, authentication, invalid API key and invalid parameters: codes the error-code
reference gives for problems with any request. Each page's prose lists only some of them (the
query page has no code at all for an invalid or unknown `task_id`, nor 2049; retrieve lacks
2049), yet an invalid query must get *some* non-zero code."""
AUTH_CODES: Final = frozenset({1004, 2049})
_WRONG_KEY: Final = "Bearer not-a-valid-minimax-key"
AnyCase: TypeAlias = Case[Any]


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    return resolve(spec, node)[0]


def _spec(case: AnyCase) -> dict[str, Any]:
    raw: dict[str, Any] = case.operation.schema.raw_schema
    return raw


def _definition(case: AnyCase) -> dict[str, Any]:
    raw: dict[str, Any] = case.operation.definition.raw
    return raw


def _response_schema(case: AnyCase) -> dict[str, Any]:
    spec = _spec(case)
    ok = _resolve(spec, _definition(case)["responses"]["200"])
    schema: dict[str, Any] = _resolve(spec, ok["content"]["application/json"]["schema"])
    return schema


def documented_codes(case: AnyCase) -> frozenset[int]:
    """`x-minimax-status-codes` of the operation's 200 response."""
    return operation_codes(_spec(case), _definition(case))


def operation_codes(spec: dict[str, Any], definition: dict[str, Any]) -> frozenset[int]:
    """`x-minimax-status-codes` of an operation's (`definition`'s) 200 response in `spec`."""
    ok = _resolve(spec, definition["responses"]["200"])
    codes = ok.get("x-minimax-status-codes", [0])
    return frozenset(int(c) for c in codes)


def _is_the_operation(response: Response, case: AnyCase) -> bool:
    """False for the coverage phase's probes with a method the operation does not have."""
    return bool(str(response.request.method).upper() == case.operation.method.upper())


def _base_resp(response: Response) -> tuple[dict[str, Any], int]:
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(
            f"HTTP {response.status_code} answer is not JSON, so it has no base_resp: "
            f"{response.content[:120]!r}"
        ) from None
    assert isinstance(body, dict), f"answer is not a JSON object: {body!r:.120}"
    base_resp = body.get("base_resp")
    assert isinstance(base_resp, dict), f"answer has no base_resp object: {body!r:.200}"
    code = base_resp.get("status_code")
    assert isinstance(code, int), f"base_resp.status_code is not an integer: {base_resp!r:.200}"
    assert not isinstance(code, bool), f"base_resp.status_code is a boolean: {base_resp!r:.200}"
    return body, code


def base_resp_present(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    if not _is_the_operation(response, case):
        return None
    _base_resp(response)
    return None


def documented_status_code(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    if not _is_the_operation(response, case):
        return None
    _, code = _base_resp(response)
    allowed = documented_codes(case) | REQUEST_LEVEL_CODES
    assert code in allowed, (
        f"base_resp.status_code {code} is not documented for {case.operation.label} "
        f"(documented: {sorted(documented_codes(case))}; request-level: "
        f"{sorted(REQUEST_LEVEL_CODES)})"
    )
    return None


def _success_payload(operation_id: str, body: dict[str, Any]) -> list[str]:
    """The success fields present in `body`, per operation."""
    if operation_id == "videoGeneration":
        return ["task_id"] if isinstance(body.get("task_id"), str) and body["task_id"] else []
    if operation_id == "queryVideoGenerationTask":
        present = [k for k in ("file_id", "video_width", "video_height") if body.get(k)]
        return present + (["status=Success"] if body.get("status") == "Success" else [])
    if operation_id == "retrieveFile":
        return ["file"] if isinstance(body.get("file"), dict) and body["file"] else []
    return []


def success_payload_iff_zero(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    if not _is_the_operation(response, case):
        return None
    body, code = _base_resp(response)
    operation_id = _definition(case).get("operationId", "")
    problems = success_payload_problems(operation_id, body, code)
    assert not problems, f"{problems[0][1]}: {body!r:.300}"
    return None


def success_payload_problems(
    operation_id: str, body: dict[str, Any], code: int
) -> list[tuple[str, str]]:
    """(JSON path, what is wrong) where the payload breaks "present if and only if code 0"."""
    present = _success_payload(operation_id, body)
    if code != 0:
        return (
            [("$", f"error code {code} came with a success payload {present}")] if present else []
        )
    if operation_id == "videoGeneration":
        return [] if present else [("$.task_id", "code 0 but no task_id")]
    if operation_id == "queryVideoGenerationTask":
        problems = [
            (f"$.{k}", f"code 0 but no {k}") for k in ("task_id", "status") if not body.get(k)
        ]
        if body.get("status") == "Success" and not body.get("file_id"):
            problems.append(("$.file_id", "status Success without file_id"))
        elif body.get("status") != "Success" and "file_id" in present:
            problems.append(("$.file_id", "file_id before Success"))
        return problems
    if operation_id == "retrieveFile":
        file = body.get("file")
        if not isinstance(file, dict):
            return [("$.file", "code 0 but no file")]
        missing = [k for k in ("file_id", "bytes", "download_url") if k not in file]
        return [(f"$.file.{k}", f"code 0 but file lacks {k}") for k in missing]
    return []


_VALIDATORS: dict[int, SpecValidator] = {}


def _validator(case: AnyCase) -> SpecValidator:
    """The layer's own request check, over the spec this run loaded (served or bundled).

    Undeclared query parameters pass: upstream ignores them, so they do not make a request
    invalid on the wire.
    """
    spec = _spec(case)
    found = _VALIDATORS.get(id(spec))
    if found is None:
        found = _VALIDATORS[id(spec)] = SpecValidator(spec, allow_unknown_query_params=True)
    return found


def _first_problem(
    validator: SpecValidator, request: httpx.Request
) -> RequestValidationError | None:
    try:
        validator.validate_request(request)
    except RequestValidationError as problem:
        if problem.json_path != "header.Content-Type":
            return problem
        # Servers read the body whatever its declared media type: judge the body itself.
        request.headers["Content-Type"] = "application/json"
        return _first_problem(validator, request)
    return None


def _problems(case: AnyCase, response: Response) -> list[str]:
    """What is wrong with the request as it went over the wire (empty: a valid request)."""
    sent = response.request
    raw = sent.body if isinstance(sent.body, str | bytes) else b""
    request = httpx.Request(
        str(sent.method),
        str(sent.url),
        headers=[
            (k, v if isinstance(v, str) else v.decode("latin-1")) for k, v in sent.headers.items()
        ],
        content=raw.encode() if isinstance(raw, str) else raw,
    )
    validator = _validator(case)
    problem = _first_problem(validator, request)
    if problem is None:
        return []
    if problem.json_path != "header.Authorization":
        return [str(problem)]
    # The key comes first: is the rest of the request valid with one?
    request.headers["Authorization"] = "Bearer any-key"
    rest = _first_problem(validator, request)
    return ["no bearer key", *([str(rest)] if rest is not None else [])]


def invalid_request_rejected(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    if not _is_the_operation(response, case):
        return None
    problems = _problems(case, response)
    if not problems:
        return None
    _, code = _base_resp(response)
    assert code != 0, f"an invalid request got code 0 ({'; '.join(problems)})"
    if problems == ["no bearer key"]:
        assert code in AUTH_CODES | {1002}, f"a request without a bearer key got code {code}"
    return None


_PROBED: set[tuple[int, str]] = set()
_PROBED_LOCK = threading.Lock()


def auth_enforced(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """After a code-0 answer, the same request without the key / with a wrong key must fail."""
    from schemathesis.specs.openapi._auth_retry import (
        get_security_parameters,
        remove_auth,
        send_probe,
    )

    if not _is_the_operation(response, case):
        return None
    _, code = _base_resp(response)
    key = (id(case.operation.schema.raw_schema), case.operation.label)
    if code != 0:
        return None
    with _PROBED_LOCK:
        if key in _PROBED:
            return None
        _PROBED.add(key)
    parameters = get_security_parameters(case.operation)
    without = remove_auth(case, parameters)
    for label, probe in (("without a key", without), ("with a wrong key", _wrong_key(without))):
        answer = send_probe(ctx, case, probe)
        _, probe_code = _base_resp(answer)
        assert probe_code in AUTH_CODES, (
            f"{case.operation.label} {label} answered code {probe_code}, expected one of "
            f"{sorted(AUTH_CODES)}"
        )
    return None


def _wrong_key(case: AnyCase) -> AnyCase:
    headers: CaseInsensitiveDict[Any] = CaseInsensitiveDict(case.headers or {})
    headers["Authorization"] = _WRONG_KEY
    return case.derive(headers=headers)


MINIMAX_CHECKS: Final[list[CheckFunction]] = [
    base_resp_present,
    documented_status_code,
    success_payload_iff_zero,
    invalid_request_rejected,
    auth_enforced,
]
