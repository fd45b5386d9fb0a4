"""MiniMax's checks for the Schemathesis CLI.

Load with `SCHEMATHESIS_HOOKS=conformance.server.schemathesis_hooks schemathesis run ...`.
Registering here, not in `minimax_checks`, keeps pytest runs of other suites free of them.
"""

from __future__ import annotations

import schemathesis

from conformance.server.minimax_checks import MINIMAX_CHECKS

for _check in MINIMAX_CHECKS:
    schemathesis.check(_check)
