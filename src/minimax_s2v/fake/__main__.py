"""`python -m minimax_s2v.fake`: the fake MiniMax on loopback, under uvicorn."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from minimax_s2v.fake.app import FakeMiniMax
from minimax_s2v.fake.entry import check_host, parse_faults, parse_stage_seconds
from minimax_s2v.fake.faults import Faults
from minimax_s2v.fake.ratelimit import RateLimits
from minimax_s2v.fake.server import serve
from minimax_s2v.fake.state import FAKE_API_KEY

T = TypeVar("T")


def _usage(parse: Callable[[str], T]) -> Callable[[str], T]:
    """A shared parser as an argparse type: its ValueError becomes a usage error (exit 2)."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m minimax_s2v.fake", description="Run the fake MiniMax on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="allow another --host (anyone who reaches it can use the published key)",
    )
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--api-key", default=FAKE_API_KEY)
    parser.add_argument(
        "--stage-seconds",
        type=_usage(parse_stage_seconds),
        default=(0.2, 0.2, 0.4),
        metavar="P,Q,R",
        help="seconds spent Preparing, Queueing, Processing (default 0.2,0.2,0.4)",
    )
    parser.add_argument(
        "--faults",
        type=_usage(parse_faults),
        default=Faults(),
        metavar="SPEC",
        help="e.g. 'seed=7,rate_limit=0.2,slow=0.1,slow_seconds=3,operations=download'",
    )
    parser.add_argument(
        "--rate-limit",
        type=RateLimits.parse,
        metavar="OP=N,...",
        help="requests a minute per key and operation, 1002 past it "
        "(e.g. 'videoGeneration=5,queryVideoGenerationTask=120')",
    )
    parser.add_argument(
        "--callback-casing",
        choices=["lower", "query"],
        default="lower",
        help="callback status spelling: docs prose (lower) or query API casing",
    )
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    try:
        check_host(args.host, args.allow_non_loopback)
    except ValueError as exc:
        parser.error(f"--host {args.host}: {exc}")
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be from 0 to 65535, got {args.port}")
    fake = FakeMiniMax(
        api_key=args.api_key,
        stage_seconds=args.stage_seconds,
        faults=args.faults,
        callback_casing=args.callback_casing,
        rate_limits=args.rate_limit,
    )
    try:
        serve(args.host, args.port, fake, log_level=args.log_level, announce=_announce)
    except OSError as exc:  # the bind: port in use, address not on this machine
        parser.error(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc})")


def _announce(banner: str) -> None:
    print(banner, flush=True)  # the first line on stdout: scripts read the URL from it


if __name__ == "__main__":
    main()
