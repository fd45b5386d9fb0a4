"""One run of `minimax-video`: its state in click's `ctx.obj`, the one key check, the one client
factory, and how the command line is read before click has values (for `--json` and scrubbing).

`Run` is made by the group's `main` (cli/app.py) for every invocation and handed to every command
as `ctx.obj`; the commands record in it what the final message needs (the task, where its video
goes, what to say if the run is stopped now). Tests pass `Seams` as click's `obj` to swap the
transport, the retry waits and the clock.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from minimax_s2v.client.scrub import register
from minimax_s2v.errors.exceptions import ConfigurationError
from minimax_s2v.errors.resume import Resume, resume_of, unknown_to_minimax

if TYPE_CHECKING:
    import httpx

    from minimax_s2v.client.clients import MiniMaxVideo
    from minimax_s2v.client.config import Secret
    from minimax_s2v.client.retry import RetryPolicy

NO_KEY_HINT = "set MINIMAX_API_KEY (or pass --api-key); to try without a key: `minimax-video demo`"


class APIKeyError(ConfigurationError):
    """No usable API key (exit 3, like a refused key): nothing was sent."""


class MissingAPIKeyError(APIKeyError):
    """No API key in MINIMAX_API_KEY or --api-key."""


@dataclass
class Seams:
    """What tests swap: the transports under every client, and how waiting passes time."""

    transport: Callable[[], httpx.BaseTransport] | None = None
    async_transport: Callable[[], httpx.AsyncBaseTransport] | None = None
    retry: RetryPolicy | None = None
    sleep: Callable[[float], None] | None = None
    clock: Callable[[], float] | None = None

    def time_kwargs(self) -> dict[str, Any]:
        """`sleep=` and `clock=` for the client's waiting calls, when swapped."""
        kwargs: dict[str, Any] = {}
        if self.sleep is not None:
            kwargs["sleep"] = self.sleep
        if self.clock is not None:
            kwargs["clock"] = self.clock
        return kwargs


@dataclass
class Invocation:
    """What the command line asks for, read the way click reads it (never by sniffing argv)."""

    command: str | None = None
    as_json: bool = False
    quiet: bool = False
    api_key: str | None = None


_LENIENT: dict[str, Any] = {"resilient_parsing": True, "ignore_unknown_options": True}


def read_invocation(command: click.Command, argv: Sequence[str]) -> Invocation:
    """Parse `argv` with click's own parser, leniently: unknown options are skipped, errors stop
    quietly, nothing runs. `--prompt "--json"` is a prompt; `--json` after a typo counts."""
    name: str | None = command.name
    target: click.Command | None = command
    rest = list(argv)
    try:
        if isinstance(command, click.Group):
            with command.make_context("minimax-video", rest, **_LENIENT) as ctx:
                rest = [*ctx._protected_args, *ctx.args]
                if not rest:
                    return Invocation()
                name, target, rest = command.resolve_command(ctx, rest)
        if target is None:
            return Invocation(name)
        parse_ctx = click.Context(target, info_name=name, **_LENIENT)
        opts, _, _ = target.make_parser(parse_ctx).parse_args(rest)
    except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        return Invocation()
    key = opts.get("api_key")
    return Invocation(
        name,
        bool(opts.get("as_json")),
        bool(opts.get("quiet")),
        key if isinstance(key, str) else None,
    )


def secrets_of(invocation: Invocation) -> list[str]:
    """Every API key this run might know, to scrub from anything it prints."""
    found = [os.environ.get("MINIMAX_API_KEY", ""), invocation.api_key or ""]
    for secret in found:
        register(secret)  # the one scrubber knows it in every spelling (stripped, escaped...)
    return [s for s in found if len(s.strip()) >= 4]


@dataclass
class Run:
    """What the running command knows so far (filled in as it goes)."""

    seams: Seams = field(default_factory=Seams)
    invocation: Invocation = field(default_factory=Invocation)
    secrets: list[str] = field(default_factory=list)
    task: Resume | None = None
    """The task this run is finishing (from `on_submit`, or `wait`'s argument)."""
    sends_create: bool = False
    """Set just before a billed create may be sent (generate, demo)."""
    out: str | None = None
    """--out as given: where the video goes (the resume command repeats it)."""
    overwrite: bool = False
    file_id: str | None = None
    api_key: str | None = None
    base_url: str | None = None
    """--api-key / --base-url (or their environment variables), as click read them."""
    rate_store: str | None = None
    """--rate-store / MINIMAX_RATE_STORE, checked by its option: limits shared on Redis."""
    allow_private_urls: bool = False
    """--allow-private-urls / MINIMAX_ALLOW_PRIVATE_URLS: fetches may reach private addresses."""
    stop_hint: str = "nothing was created or billed"
    """What to do when the run stops without a task to name (Ctrl-C, a signal)."""

    @property
    def command(self) -> str | None:
        return self.invocation.command

    @property
    def as_json(self) -> bool:
        return self.invocation.as_json

    @property
    def quiet(self) -> bool:
        return self.invocation.quiet

    def resume_for(self, exc: BaseException) -> Resume | None:
        """The library's record on `exc`, else (or when it refines it: `wait` knows the --out
        the library's `wait` and `download` were not told) this run's task as `exc` left it.

        A create cut off where the library could not record it (a signal in between) counts as
        a create whose answer never came (the one rule: `Resume.after_create`).
        """
        found = resume_of(exc)
        if found is not None and (self.task is None or not self.task.refines(found)):
            return found
        if self.task is not None:
            if unknown_to_minimax(exc) and self.task.file_id is None:
                return None  # MiniMax does not know the task: there is nothing to resume
            return self.task.after(exc)
        if self.sends_create and isinstance(exc, KeyboardInterrupt):
            return Resume.after_create(exc, self.out, self.overwrite)
        return None

    # --- the one key check and the one client factory

    def connection(self) -> tuple[Secret, str]:
        """The checked key and base URL, or the error that names what to fix (never the key)."""
        from minimax_s2v.client.config import Secret, resolve_base_url

        if not self.api_key:
            raise MissingAPIKeyError("no API key")
        try:
            secret = Secret(self.api_key)
        except ConfigurationError as exc:  # empty, spaces, control characters: never echoed
            raise APIKeyError(exc.message) from None
        try:
            url = resolve_base_url(self.base_url)
        except ConfigurationError as exc:
            raise click.BadParameter(exc.message, param_hint="--base-url") from None
        return secret, url

    def client(self) -> MiniMaxVideo:
        """The sync client every command but `batch` uses."""
        from minimax_s2v.client.clients import MiniMaxVideo

        secret, url = self.connection()
        transport = self.seams.transport() if self.seams.transport is not None else None
        return MiniMaxVideo(
            secret,
            base_url=url,
            retry=self.seams.retry,
            transport=transport,
            allow_private_urls=self.allow_private_urls,
            rate_store=self.rate_store,
        )


def current_run() -> Run:
    """The `Run` of the command being executed."""
    run = click.get_current_context().find_object(Run)
    if run is None:  # a command invoked outside `minimax-video`'s main (never in the CLI)
        run = Run()
        click.get_current_context().obj = run
    return run


def check_out_folder(out: str, parents: bool) -> None:
    """Refuse an --out whose folder does not exist, before anything is sent or billed: a typo
    must not bill a video into a new folder. With --parents the missing folders are made (by
    the download, once there is a video to write)."""
    if parents:
        return
    named = Path(out.rstrip("/\\") or out)
    folder = named.parent
    if not folder.exists():
        raise click.BadParameter(
            f"the folder {folder} does not exist (create it, or pass --parents)",
            param_hint="--out",
        )
