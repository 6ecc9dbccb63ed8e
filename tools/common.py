"""Shared behaviour of the command-line tools: one-line errors, exit codes, input parsing."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException

from edgeai.support.errors import EdgeAIError

EXIT_ERROR = 1
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_ERROR) -> int:
    """Print `error: <first line of message>` on stderr and return the exit code."""
    first = str(message).strip().splitlines()[0] if str(message).strip() else "unknown error"
    print(f"error: {first}", file=sys.stderr)
    return code


def guarded(main: Callable[[], int]) -> int:
    """Run a CLI body, turning every exception into a one-line diagnostic (no traceback).

    Set EDGEAI_TRACEBACK=1 to see the Python traceback of unexpected errors.
    """
    try:
        return main()
    except EdgeAIError as e:
        return fail(str(e))
    except ParseError as e:
        return fail(describe_parse_error(e))
    except VerifyException as e:
        return fail(describe_verify_error(e))
    except DiagnosticException as e:
        return fail(str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:
        return 0
    except FileNotFoundError as e:
        return fail(f"{e.filename}: no such file")
    except (IsADirectoryError, PermissionError) as e:
        return fail(f"{e.filename}: {e.strerror.lower() if e.strerror else type(e).__name__}")
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - the last line of defence
        if os.environ.get("EDGEAI_TRACEBACK"):
            raise
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        return fail(
            f"internal error: {type(e).__name__}: {msg} (set EDGEAI_TRACEBACK=1 for details)"
        )


def parse_input_shapes(specs: list[str] | None) -> dict[str, list[int]]:
    """`name=1,3,32,32` strings -> {name: [1, 3, 32, 32]}."""
    out: dict[str, list[int]] = {}
    for spec in specs or []:
        name, sep, dims = spec.rpartition("=")
        if not sep or not name:
            raise EdgeAIError(f"--input-shape '{spec}': expected NAME=D0,D1,...")
        try:
            shape = [int(d) for d in dims.replace("x", ",").split(",") if d.strip()]
        except ValueError:
            raise EdgeAIError(f"--input-shape '{spec}': dimensions must be integers") from None
        if not shape or any(d <= 0 for d in shape):
            raise EdgeAIError(f"--input-shape '{spec}': dimensions must be positive")
        out[name] = shape
    return out


def describe_parse_error(e: ParseError) -> str:
    """`file:line:col: message` from xDSL's multi-line parse error."""
    lines = [ln for ln in str(e).splitlines() if ln.strip()]
    if not lines:
        return "parse error"
    loc, msg = lines[0].strip(), lines[-1].strip()
    return f"{loc}: {msg}" if msg != loc else loc


def describe_verify_error(e: VerifyException) -> str:
    """The verifier's own message (xDSL appends the whole module after it)."""
    text = str(e).strip()
    first = text.splitlines()[0] if text else "verification failed"
    return f"IR does not verify: {first}"
