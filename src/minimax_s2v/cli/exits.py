"""The CLI's exit-code policy: the documented codes, and which one (with which hint) ends a run.

Exit codes are part of the interface, so scripts can branch on them: `EXIT_CODES` is the one
table (the `--help` epilog and docs/cli.md print it); `failure_for` is the one funnel every
command's failure goes through (usage errors, a missing key, the library's errors, Ctrl-C and
signals, bugs), and `batch_exit_code` maps a batch's report to the same table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from minimax_s2v.cli.report import Failure, hint_after
from minimax_s2v.cli.run import NO_KEY_HINT, APIKeyError, MissingAPIKeyError, Run
from minimax_s2v.cli.signals import Terminated

if TYPE_CHECKING:
    from minimax_s2v.batch import BatchReport

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_QUOTA = 4
EXIT_MODERATION = 5
EXIT_TASK_FAILED = 6
EXIT_TIMEOUT = 7
EXIT_NETWORK = 8
EXIT_INCOMPLETE = 9
EXIT_INTERRUPTED = 130
EXIT_HANGUP = 129
EXIT_TERMINATED = 143

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success",
    EXIT_INTERNAL: "unexpected internal error (a bug: please report it)",
    EXIT_USAGE: "bad usage or input: option, image, prompt, id, unknown task or output path "
    "(nothing billed)",
    EXIT_AUTH: "missing, invalid or unauthorized API key",
    EXIT_QUOTA: "insufficient balance, rate limit or usage quota: top up or wait",
    EXIT_MODERATION: "the prompt, image or generated video was refused by moderation",
    EXIT_TASK_FAILED: "the generation task ended with status Fail",
    EXIT_TIMEOUT: "the task did not finish within --timeout; it may still finish (`resume`)",
    EXIT_NETWORK: "network, server, protocol or disk error after a create or the retries, or "
    "a shared store (Redis, Postgres) gone mid-run (the hint says whether a task may exist)",
    EXIT_INCOMPLETE: "batch: some jobs were not saved (the report and the journal say which)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
    EXIT_HANGUP: "stopped by SIGHUP (terminal closed); cleaned up like Ctrl-C",
    EXIT_TERMINATED: "stopped by SIGTERM (timeout, docker, CI); cleaned up like Ctrl-C",
}


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an exception raised by the library (or the key check)."""
    from minimax_s2v import errors

    table: list[tuple[type[BaseException] | tuple[type[BaseException], ...], int]] = [
        ((errors.AuthenticationError, APIKeyError), EXIT_AUTH),
        ((errors.InsufficientBalanceError, errors.RateLimitedError), EXIT_QUOTA),
        ((errors.SensitiveInputError, errors.SensitiveOutputError), EXIT_MODERATION),
        (errors.TaskFailedError, EXIT_TASK_FAILED),
        (errors.WaitTimeoutError, EXIT_TIMEOUT),
        (
            (
                errors.InputError,
                errors.RequestValidationError,
                errors.InvalidParametersError,
                errors.ConfigurationError,
            ),
            EXIT_USAGE,
        ),
        (errors.MiniMaxError, EXIT_NETWORK),
    ]
    for kinds, code in table:
        if isinstance(exc, kinds):
            return code
    return EXIT_INTERNAL


class Stopped(click.ClickException):
    """A command ends itself with a documented code and a hint (e.g. a report it cannot write)."""

    def __init__(self, message: str, code: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.hint = hint


def _usual_hint(exc: BaseException, code: int) -> str | None:
    """One actionable sentence per exit code (the error itself says what happened)."""
    from minimax_s2v import errors

    if isinstance(exc, MissingAPIKeyError):
        return NO_KEY_HINT
    if isinstance(exc, APIKeyError):
        return "check the value of MINIMAX_API_KEY (or --api-key)"
    if isinstance(exc, errors.APIError) and exc.code in errors.ERROR_CODES:
        return exc.policy.hint  # the spec's catalogue says what to do about each code
    if code == EXIT_AUTH:
        return "check MINIMAX_API_KEY (or --api-key) and --base-url; try `minimax-video demo`"
    if code == EXIT_TASK_FAILED:
        return "MiniMax could not generate this video; try again, perhaps with another prompt"
    if code == EXIT_NETWORK:
        return "check the network and --base-url, or try again later"
    return None


def _library_failure(exc: Exception, run: Run) -> Failure:
    """A library error, or a local one (OSError): 2 only while nothing may be billed."""
    from minimax_s2v.errors.exceptions import MiniMaxError

    local = not isinstance(exc, MiniMaxError)
    code = EXIT_USAGE if local else exit_code_for(exc)
    resume = run.resume_for(exc)
    if code == EXIT_USAGE and resume is not None and (resume.task_id or resume.task_may_exist):
        code = EXIT_NETWORK  # 2 promises nothing was billed: not after a create that may have
    usual = _usual_hint(exc, code)
    if code == EXIT_NETWORK and resume is not None:
        usual = None  # "try again later" would pay twice: only the way back to the task
    message = _os_message(exc) if local else str(exc)
    return Failure(message, code, hint_after(exc, run, usual))


def _os_message(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    return str(exc)


def failure_for(exc: BaseException, run: Run) -> Failure:
    """The one funnel: message, exit code and hint for whatever ended a command."""
    from minimax_s2v.errors.exceptions import MiniMaxError

    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        help_text = exc.ctx.get_help() if exc.ctx else None
        return Failure("no command given", EXIT_USAGE, "see --help", help_text)
    if isinstance(exc, click.UsageError):
        usage = exc.ctx.get_usage() if exc.ctx is not None else None
        return Failure(exc.format_message(), EXIT_USAGE, "see --help", usage)
    if isinstance(exc, Stopped):
        return Failure(exc.format_message(), exc.code, exc.hint)
    if isinstance(exc, click.ClickException):
        return Failure(exc.format_message(), exc.exit_code or EXIT_USAGE)
    if isinstance(exc, click.Abort | KeyboardInterrupt):
        # click turns a KeyboardInterrupt into Abort; the original (with its ids) is the cause
        cause = exc.__cause__ if isinstance(exc.__cause__, KeyboardInterrupt) else exc
        stopped = f"terminated by {cause.name}" if isinstance(cause, Terminated) else "interrupted"
        return Failure(stopped, interrupt_code(cause), hint_after(cause, run, None))
    if isinstance(exc, MiniMaxError | OSError):
        return _library_failure(exc, run)
    return Failure(
        f"unexpected {type(exc).__name__}: {exc}",
        EXIT_INTERNAL,
        hint_after(exc, run, "this is a bug in minimax-video; please report it with the command"),
    )


def interrupt_code(stopped: BaseException) -> int:
    """130 for Ctrl-C; 128 + the signal for SIGTERM (143) and SIGHUP (129)."""
    return stopped.exit_code if isinstance(stopped, Terminated) else EXIT_INTERRUPTED


def batch_exit_code(report: BatchReport) -> int:
    """0 when every job was saved; the halting error's code; `EXIT_NETWORK` when a shared store
    went away; else `EXIT_INCOMPLETE`."""
    from minimax_s2v.errors.exceptions import error_for_code

    if report.halted_code is not None:
        return exit_code_for(error_for_code(report.halted_code, report.halted))
    if report.outage is not None:
        return EXIT_NETWORK
    return EXIT_OK if report.all_saved else EXIT_INCOMPLETE
