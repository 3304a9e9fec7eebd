"""moto's own loggers kept quiet while the runtime runs; their levels are restored when it stops.

A failed Step Functions execution makes moto's engine log the whole failure at ERROR, several times
(the state, the component, the program), each line carrying the full cause and the state's repr. With no
logging configured, Python prints them to stderr, so an operator's terminal fills with kilobyte-long
lines for an outcome the execution history and ``DescribeExecution`` already report. Lambda handler
logs are not affected: they go to CloudWatch Logs, not through these loggers.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py): the logger names
below,
moto's modules logging through ``logging.getLogger(__name__)`` under them.
"""

from __future__ import annotations

import logging

from embedded_aws.moto_internals.patching import PatchSet

# The Step Functions engine (LocalStack's port) logs failures at ERROR and WARNING; the Lambda backend
# warns about Docker, which the runtime does not use.
QUIETED_LOGGERS = ("moto.stepfunctions", "moto.awslambda")
# Above CRITICAL: nothing these loggers (and their children, which inherit the level) emit gets through.
SILENT = logging.CRITICAL + 10


def install(patches: PatchSet) -> None:
    for name in QUIETED_LOGGERS:
        logger = logging.getLogger(name)
        previous = logger.level
        logger.setLevel(SILENT)  # setLevel, not the attribute: it also clears the children's caches
        patches.on_restore(lambda logger=logger, previous=previous: logger.setLevel(previous))
