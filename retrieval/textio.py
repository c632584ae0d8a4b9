"""Standard input and output for the command lines (`python -m retrieval`, the bot's console chat).

Whatever the locale or PYTHONIOENCODING says, text is UTF-8: input bytes that are not UTF-8 become U+FFFD
(so they are never echoed back raw and JSON output stays UTF-8), and output replaces what it cannot encode.
A reader that goes away (`| head -1`) ends the program quietly; a full disk is one error line.
"""

from __future__ import annotations

import os
import sys
from typing import Callable


def utf8_streams() -> None:
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    sys.stderr.reconfigure(encoding="utf-8", errors="backslashreplace")


def argument(text: str) -> str:
    """A command-line argument as real text: bytes that were not UTF-8 (kept by Python as surrogates)
    become U+FFFD."""
    return os.fsencode(text).decode("utf-8", "replace")


def input_line(line: str) -> str:
    """A line read from standard input without its line ending (\\n or \\r\\n)."""
    return line.rstrip("\r\n")


def guarded(main: Callable[[], int]) -> int:
    """Run `main` with UTF-8 streams; a closed pipe ends it with 0, an unwritable output with 1 and a line."""
    utf8_streams()
    try:
        code = main()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except OSError as error:
        if error.filename is not None:  # a file the program opened: not a standard stream
            raise
        _silence_stdout()
        print(f"error: standard input or output failed: {error.strerror}", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush cannot fail a second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
