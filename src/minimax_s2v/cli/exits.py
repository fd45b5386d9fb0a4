"""The CLI's exit-code policy: the documented codes, and which one (with which hint) ends a run.

Exit codes are part of the interface, so scripts can branch on them: `EXIT_CODES` is the one
table (the `--help` epilog prints it); every command, `batch` and `wait` included, maps its
outcome to a code here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minimax_s2v.cli.report import RunState, after_create_hint, combined_hint, interrupted_hint
from minimax_s2v.cli.signals import Terminated

if TYPE_CHECKING:
    from minimax_s2v.batch import BatchReport, JobOutcome

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
    EXIT_USAGE: "bad usage or input: option, image, prompt, id or output path (nothing billed)",
    EXIT_AUTH: "missing, invalid or unauthorized API key",
    EXIT_QUOTA: "insufficient balance, rate limit or usage quota: top up or wait",
    EXIT_MODERATION: "the prompt, image or generated video was refused by moderation",
    EXIT_TASK_FAILED: "the generation task ended with status Fail",
    EXIT_TIMEOUT: "the task did not finish within --timeout; it may still finish (see `status`)",
    EXIT_NETWORK: "network, server or protocol error after the retries: try again later",
    EXIT_INCOMPLETE: "batch: some jobs were not saved (the report and the journal say which)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
    EXIT_HANGUP: "stopped by SIGHUP (terminal closed); cleaned up like Ctrl-C",
    EXIT_TERMINATED: "stopped by SIGTERM (timeout, docker, CI); cleaned up like Ctrl-C",
}


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an exception raised by the library."""
    from minimax_s2v import errors

    table: list[tuple[type[BaseException] | tuple[type[BaseException], ...], int]] = [
        (errors.AuthenticationError, EXIT_AUTH),
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


def _hint_for(exc: BaseException, code: int) -> str | None:
    """One actionable sentence per exit code (the error itself says what happened)."""
    from minimax_s2v import errors
    from minimax_s2v.flows import endpoints

    task_id = getattr(exc, "task_id", None)
    if isinstance(exc, errors.APIError) and exc.code in errors.ERROR_CODES:
        return exc.policy.hint  # the spec's catalogue says what to do about each code
    if code == EXIT_AUTH:
        return "check MINIMAX_API_KEY (or --api-key) and --base-url; try `minimax-video demo`"
    if code == EXIT_TASK_FAILED:
        return "MiniMax could not generate this video; try again, perhaps with another prompt"
    if code == EXIT_TIMEOUT and task_id:
        return (
            f"the task may still finish: `minimax-video status {task_id}`, then "
            f"`minimax-video download FILE_ID --out FILE`"
        )
    uncertain = isinstance(exc, errors.TransportError) and not isinstance(exc, errors.ConnectError)
    if uncertain and getattr(exc, "operation", None) == endpoints.CREATE.id:
        return (
            "the request may have reached MiniMax, so a (billed) task may exist: check your "
            "MiniMax console before running the command again"
        )
    if code == EXIT_NETWORK:
        resume = f"; the task was submitted: `minimax-video status {task_id}`" if task_id else ""
        return "check the network and --base-url, or try again later" + resume
    return None


def failure_for(exc: Exception, state: RunState) -> tuple[str, int, str | None]:
    """The message, exit code and hint for an exception that ended a command."""
    from minimax_s2v.errors.exceptions import MiniMaxError

    if isinstance(exc, MiniMaxError):
        code = exit_code_for(exc)
        if code == EXIT_USAGE and state.resume_for(exc) is not None:
            code = EXIT_NETWORK  # 2 promises nothing was billed: not after a create
        return str(exc), code, combined_hint(exc, state, _hint_for(exc, code))
    if isinstance(exc, OSError):
        detail = exc.strerror or str(exc)
        where = f": {exc.filename}" if exc.filename else ""
        # After a create, a local failure must not read as "nothing was billed" (2).
        code = EXIT_NETWORK if state.resume_for(exc) else EXIT_USAGE
        return f"{detail}{where}", code, after_create_hint(exc, state)
    resumable = after_create_hint(exc, state)
    return (
        f"unexpected {type(exc).__name__}: {exc}",
        EXIT_INTERNAL,
        "this is a bug in minimax-video; please report it with the command you ran"
        + (f"; {resumable}" if resumable else ""),
    )


def interrupt_code(stopped: BaseException) -> int:
    """130 for Ctrl-C; 128 + the signal for SIGTERM (143) and SIGHUP (129)."""
    return stopped.exit_code if isinstance(stopped, Terminated) else EXIT_INTERRUPTED


def interruption_for(stopped: BaseException, state: RunState) -> tuple[str, int, str | None]:
    """The message, exit code and hint for a run stopped by Ctrl-C or a termination signal."""
    message = f"terminated by {stopped.name}" if isinstance(stopped, Terminated) else "interrupted"
    return message, interrupt_code(stopped), interrupted_hint(state, stopped)


def batch_exit_code(report: BatchReport) -> int:
    """0 when every job was saved; the halting error's code; else `EXIT_INCOMPLETE`."""
    from minimax_s2v.errors.exceptions import error_for_code

    if report.halted_code is not None:
        return exit_code_for(error_for_code(report.halted_code, report.halted))
    return EXIT_OK if report.all_saved else EXIT_INCOMPLETE


def wait_exit_code(outcome: JobOutcome) -> int:
    """The code for `wait`'s outcome, as `generate` would end in the same state."""
    from minimax_s2v.errors.exceptions import error_for_code

    if outcome.state == "saved":
        return EXIT_OK
    if outcome.state == "created":
        return EXIT_TIMEOUT
    if outcome.state == "failed" and outcome.error_code is not None:
        return exit_code_for(error_for_code(outcome.error_code, outcome.error))
    if outcome.state == "failed":
        return EXIT_TASK_FAILED
    return EXIT_NETWORK
