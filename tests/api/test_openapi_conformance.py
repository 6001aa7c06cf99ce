"""schemathesis against /api/openapi.json on the WSGI app with a valid token: no server error, no schema violation.

Every operation of the document gets a few generated requests (hypothesis,
derandomised so each run is the same), which keeps this part of `make test`
short; benchmarks/fuzz_api.py runs many more per operation.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.api.conftest import bearer

EXAMPLES_PER_OPERATION = 8


def conformance_failures(app, headers: dict[str, str], examples: int) -> dict[str, str]:
    """Run schemathesis' checks on every operation; returns {operation: first failure} (empty when clean)."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=headers)

        try:
            check()
        except Exception as failure:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures[operation.label] = str(failure)[:2000]
    return failures


def test_api_conforms_to_its_openapi_document(app, tokens):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    assert len(list(schema.get_all_operations())) >= 10
    assert conformance_failures(app, bearer(tokens["analyst"]), EXAMPLES_PER_OPERATION) == {}
