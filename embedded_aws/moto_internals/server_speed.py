"""Per-request work of moto's server that never changes while it runs, done once.

Measured with cProfile on PutItem over HTTP, two lookups cost about 2 ms of every request:
- ``DomainDispatcherApplication.get_backend_for_host`` calls ``moto.backends.list_of_moto_modules()``,
  which lists moto's package directory (about 50 ``isdir`` calls) on every request;
- ``BaseResponse.call_action`` lists the response class's methods with ``inspect.getmembers``.
Both answers are fixed once the emulator has started (the runtime's own response methods, such as the
message move shim, are installed before it serves), so they are cached for the emulator's lifetime.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``moto.backends.list_of_moto_modules``
(called through the module by ``moto.moto_server.werkzeug_app``) and ``method_names_from_class`` as
imported into ``moto.core.responses``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import moto.backends
import moto.core.responses

from embedded_aws.moto_internals.patching import PatchSet


def install(patches: PatchSet) -> None:
    modules = tuple(moto.backends.list_of_moto_modules())

    def list_of_moto_modules() -> Iterable[str]:
        return modules

    patches.replace(moto.backends, "list_of_moto_modules", list_of_moto_modules)
    original = vars(moto.core.responses)["method_names_from_class"]
    patches.replace(moto.core.responses, "method_names_from_class", functools.cache(original))
