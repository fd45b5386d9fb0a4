"""One callback receiver process for the multi-process tests: `callback_app` under uvicorn on a
Unix socket, confirming with the async client against `--base-url` (the fake).

    python -m tests.support.receiver_process --uds PATH --base-url URL [--rate-store URL]

It prints "listening" on stdout once it accepts connections; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio

import uvicorn

from minimax_s2v import AsyncMiniMaxVideo, RetryPolicy
from minimax_s2v.callbacks import callback_app
from minimax_s2v.fake import FAKE_API_KEY


class _Announcing(uvicorn.Server):
    async def startup(self, sockets: list[object] | None = None) -> None:  # type: ignore[override]
        await super().startup(sockets)  # type: ignore[arg-type]
        print("listening", flush=True)


async def _main(uds: str, base_url: str, rate_store: str | None) -> None:
    client = AsyncMiniMaxVideo(
        api_key=FAKE_API_KEY, base_url=base_url, retry=RetryPolicy.none(), timeout=10
    )
    app = callback_app(client.status, rate_store=rate_store)
    config = uvicorn.Config(app, uds=uds, log_level="warning", access_log=False, lifespan="off")
    await _Announcing(config).serve()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--uds", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--rate-store")
    args = parser.parse_args()
    asyncio.run(_main(args.uds, args.base_url, args.rate_store))
