"""The command lines' standard streams (issue 8, item 7): output is UTF-8 whatever comes in or the
environment says, a reader that goes away ends the program quietly, a full disk is one error line."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

SEARCH = [sys.executable, "-m", "retrieval", "search"]
CONSOLE = [sys.executable, "-m", "bot"]


def run(command, data: bytes = b"", **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "PYTHONIOENCODING")}
    return subprocess.run(command, input=data, capture_output=True, cwd=ROOT, timeout=120, env={**environment, **env})


@pytest.mark.parametrize("encoding", [None, "utf-8", "ascii"])
def test_invalid_utf8_in_arguments_and_input_never_reaches_the_output(encoding):
    env = {"PYTHONIOENCODING": encoding} if encoding else {}
    argument = run(SEARCH + [os.fsdecode(b"MAZ\xff agreement"), "--json"], **env)
    batch = run(SEARCH + ["--batch", "--json"], b"MAZ\xff agreement\r\nBelAZ\n", **env)
    console = run(CONSOLE, b"MAZ\xff agreement\r\n", **env)
    for result in (argument, batch, console):
        assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
        result.stdout.decode("utf-8")  # strict: raises on any byte that is not UTF-8
    queries = [json.loads(line)["query"] for line in batch.stdout.decode().splitlines()]
    assert queries == ["MAZ\ufffd agreement", "BelAZ"]  # no \r left, the bad byte replaced
    assert json.loads(argument.stdout)["query"] == "MAZ\ufffd agreement"


@pytest.mark.parametrize("command, data", [(SEARCH + ["--batch"], b"MAZ\n" * 300), (CONSOLE, "МАЗ\n".encode() * 300)])
def test_a_closed_pipe_ends_quietly(command, data):
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                               env={k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"})
    process.stdin.write(data)
    process.stdin.close()
    process.stdout.readline()  # like `| head -1`
    process.stdout.close()
    assert process.wait(timeout=120) == 0
    assert b"Traceback" not in process.stderr.read()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command, data", [(SEARCH + ["MAZ"], b""), (CONSOLE, b"MAZ\n")])
def test_a_full_disk_is_one_error_line(command, data):
    with open("/dev/full", "wb") as full:
        result = subprocess.run(command, input=data, stdout=full, stderr=subprocess.PIPE, cwd=ROOT, timeout=120,
                                env={k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"})
    assert result.returncode == 1
    assert result.stderr.decode().strip() == "error: standard input or output failed: No space left on device"
