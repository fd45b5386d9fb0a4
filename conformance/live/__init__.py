"""The live contract: what the real MiniMax answers, held to the bundled spec.

`nox -s live` (or `pytest conformance/live --live`) needs `MINIMAX_API_KEY`; the base URL is the
layer's (`MINIMAX_BASE_URL`, else the spec's server). Every request goes through one transport
(`transport.LiveTransport`) that counts requests, enforces the cap on billed creates, paces,
records cassettes and audits each answer against the spec (`audit`); the run writes
`junit.xml`, `drift.json` and `drift.md` to its report folder (`report`). Without `--live` (the
default suites) nothing here talks to a network: the committed cassettes are replayed instead.
"""
