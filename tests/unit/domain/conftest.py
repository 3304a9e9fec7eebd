"""The pure fixtures of the functions' tests (no AWS here)."""

from tests.fixtures.function_fixtures import (  # noqa: F401  (fixtures, found by name)
    _handler_logs_follow_pytest_capture,
    events,
    handler_output,
    lambda_context,
    make_record,
    personal_values,
)
