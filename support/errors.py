"""User-facing errors.

Every error a user can provoke (bad model, bad option, unsupported op) is raised as an
`EdgeAIError` whose message is one line naming the op, file or option at fault. The command-line
tools print it as `error: <message>` and exit non-zero, never with a Python traceback.
"""

from __future__ import annotations

from xdsl.utils.exceptions import DiagnosticException


class EdgeAIError(DiagnosticException):
    """An error caused by the user's input (model, options, IR), reported in one line.

    It derives from xDSL's `DiagnosticException` so that `edgeai-opt --verify-diagnostics`
    prints it like a verifier message.
    """


class UnsupportedError(EdgeAIError):
    """Raised when a model uses ops, attributes or types this compiler does not handle.

    `items` lists every problem found (not only the first), each as one human-readable line.
    """

    def __init__(self, what: str, items: list[str]):
        self.items = list(items)
        lines = "; ".join(self.items)
        super().__init__(f"{what}: {len(self.items)} unsupported: {lines}")
