"""`python -m minimax_video.fake`: the fake MiniMax on loopback, under uvicorn."""

from __future__ import annotations

import argparse

from minimax_video.fake.app import FAKE_API_KEY, FakeMiniMax
from minimax_video.fake.faults import Faults
from minimax_video.fake.ratelimit import RateLimits
from minimax_video.fake.server import serve


def _stages(text: str) -> tuple[float, float, float]:
    parts = [float(p) for p in text.split(",")]
    if len(parts) != 3:
        raise argparse.ArgumentTypeError("give three seconds: preparing,queueing,processing")
    return parts[0], parts[1], parts[2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m minimax_video.fake", description="Run the fake MiniMax on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--api-key", default=FAKE_API_KEY)
    parser.add_argument(
        "--stage-seconds",
        type=_stages,
        default=(0.2, 0.2, 0.4),
        metavar="P,Q,R",
        help="seconds spent Preparing, Queueing, Processing (default 0.2,0.2,0.4)",
    )
    parser.add_argument(
        "--faults",
        type=Faults.parse,
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
    fake = FakeMiniMax(
        api_key=args.api_key,
        stage_seconds=args.stage_seconds,
        faults=args.faults,
        callback_casing=args.callback_casing,
        rate_limits=args.rate_limit,
    )
    serve(args.host, args.port, fake, log_level=args.log_level)


if __name__ == "__main__":
    main()
