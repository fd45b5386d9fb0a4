"""`minimax-video`: generate, inspect and download S2V-01 videos from a shell.

One way to run a command: `_Funnel.main` reads the command line with click (for `--json`,
`--quiet` and the keys to scrub), makes the run's `Run` (click's `ctx.obj`), routes library
warnings to stderr, turns SIGTERM/SIGHUP into an interrupt, runs the command, and sends whatever
ends it through the one funnel (`cli.exits.failure_for`) to a message, a hint, the `--json`
object and a documented exit code. Results go to stdout, progress and errors to stderr
(`cli.display`). The key is never printed: every message is scrubbed of it (`cli.logs`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from minimax_s2v.cli.batch import batch
from minimax_s2v.cli.commands import demo, download, generate, status, wait
from minimax_s2v.cli.display import fail
from minimax_s2v.cli.exits import EXIT_CODES, EXIT_OK, failure_for
from minimax_s2v.cli.fake_server import fake_server
from minimax_s2v.cli.logs import logging_to_stderr
from minimax_s2v.cli.run import Run, Seams, read_invocation, secrets_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Funnel(click.Command):
    """A command (or group) whose `main` runs it the one way (see the module docstring).

    Tests pass `Seams` as click's `obj` (CliRunner's `obj=`) to swap transports and time.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        seams = extra.pop("obj", None)
        invocation = read_invocation(self, argv)
        run = Run(
            seams if isinstance(seams, Seams) else Seams(), invocation, secrets_of(invocation)
        )
        from minimax_s2v.cli.signals import terminate_as_interrupt

        try:
            with logging_to_stderr(run.secrets, run.quiet), terminate_as_interrupt():
                outcome = super().main(
                    argv,
                    prog_name=prog_name,
                    complete_var=complete_var,
                    standalone_mode=False,
                    windows_expand_args=windows_expand_args,
                    obj=run,
                    **extra,
                )
            code = outcome if isinstance(outcome, int) else EXIT_OK
        except click.exceptions.Exit as exc:  # --help, --version
            code = exc.exit_code
        except BaseException as exc:
            if isinstance(exc, SystemExit | GeneratorExit):
                raise
            code = fail(run, failure_for(exc, run), exc)
        if standalone_mode:
            sys.exit(code)
        return code


class _Group(_Funnel, click.Group):
    """The `minimax-video` group, run through the funnel."""


@click.group(
    cls=_Group,
    context_settings=CONTEXT,
    epilog="Exit codes: " + "; ".join(f"{code} {text}" for code, text in EXIT_CODES.items()) + ".",
)
@click.version_option(package_name="minimax-s2v", prog_name="minimax-video")
def cli() -> None:
    """Turn one face photo and a prompt into a video with MiniMax S2V-01.

    Try it with no key and no network: `minimax-video demo --out demo.mp4`.
    """


for command in (generate, status, wait, download, batch, fake_server, demo):
    cli.add_command(command)


class _FakeServer(_Funnel):
    """`fake-server` on its own, for `python -m minimax_s2v.fake`."""


FAKE_SERVER = _FakeServer(
    name="fake-server",
    params=fake_server.params,
    callback=fake_server.callback,
    help=fake_server.help,
    context_settings=CONTEXT,
)


def main() -> None:
    """Console-script entry point (`minimax-video`)."""
    cli.main(prog_name="minimax-video")


def fake_server_main() -> None:
    """`python -m minimax_s2v.fake`: the `fake-server` command, same options and defaults."""
    FAKE_SERVER.main(prog_name="python -m minimax_s2v.fake")
