"""`--param NAME=VALUE` and `--extra-body JSON`: the create's fields from the command line.

`--param` takes any optional create field of the spec (`flows.options`, rendered by the
generator), its value read by the field's schema type; a field a sync adds is a `--param` at
once. `--extra-body` sends JSON the spec does not know yet, unchecked (`extra_body=`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from minimax_s2v.errors.exceptions import InputError
from minimax_s2v.flows.options import known_names, options_by_json_name

F = TypeVar("F", bound=Callable[..., Any])


def _params(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, Any]:
    named: dict[str, str] = {}
    for value in values:
        name, equals, text = value.partition("=")
        if not equals or not name:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE (known: {known_names()})")
        if name in named:
            raise click.BadParameter(f"{name} is given twice")
        named[name] = text
    try:
        return options_by_json_name(named, text=True)
    except InputError as exc:
        raise click.BadParameter(exc.message) from None


def _extra_body(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        body = json.loads(value)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise click.BadParameter(f"must be a JSON object, got {type(body).__name__}")
    return body


def create_params(func: F) -> F:
    """Adds `--param` (repeatable) and `--extra-body` to a command that creates a task."""
    func = click.option(
        "--extra-body",
        metavar="JSON",
        callback=_extra_body,
        help="A JSON object merged into the create body as is (fields the spec does not know "
        "yet; unchecked).",
    )(func)
    func = click.option(
        "--param",
        "params",
        multiple=True,
        metavar="NAME=VALUE",
        callback=_params,
        help=f"A create field, its value read by the field's type (repeatable): {known_names()}.",
    )(func)
    return func


def merge_params(
    options: dict[str, Any], params: Mapping[str, Any], extra_body: dict[str, Any] | None
) -> None:
    """Add `--param` fields and `--extra-body` to the library keywords, refusing a field set
    both by its own flag and by `--param`."""
    for name, value in params.items():
        if options.get(name) is not None:
            raise click.UsageError(f"{name} is given both as --param and by its own option")
        options[name] = value
    if extra_body is not None:
        options["extra_body"] = extra_body
