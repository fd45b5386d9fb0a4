"""Run-time validation of requests and responses against the bundled spec.

The generated client checks JSON types, required fields and `base_resp` itself, but not
formats, ranges, enums or the prose rules: a `download_url` that is no URI passes, and a request
with a second image is only found out as a 2013 from the server. `SpecValidator` checks both
directions against the very spec the client was generated from; the transports put it on the
wire with one argument:

    AuthenticatedClient(base_url=..., token=..., httpx_args={"transport": ValidatingTransport()})

Requests to paths the spec does not know (a video download, say) pass untouched and unread.

Speed: a validating call must cost little next to the HTTP call itself. Each schema is compiled
once, with its refs inlined, into a jsonschema-rs validator that only answers "valid?" (well under
a microsecond for these bodies); the `jsonschema` reference validator, which finds the error to
report, runs only when that answer is no (and is only imported then). The fast form is built so
that both agree on every instance (`CompiledSchema`; the conformance suite checks it).
"""

from __future__ import annotations

from minimax_s2v.validation.compiled import CompiledSchema
from minimax_s2v.validation.transports import AsyncValidatingTransport, ValidatingTransport
from minimax_s2v.validation.validator import SpecValidator, default_validator

__all__ = [
    "AsyncValidatingTransport",
    "CompiledSchema",
    "SpecValidator",
    "ValidatingTransport",
    "default_validator",
]
