"""Smoke tests of the built image (run by `make deploy-check`, not by `make test`): each check prints one
line and the script exits non-zero at the first failure.

- the console answers the MAZ question;
- a missing token in production mode is one clear log line and a non-zero exit;
- given a token, the container polls the Bot API stand-in (tests/botapi.py) and answers;
- its HEALTHCHECK turns healthy; `docker stop` ends it within 2 s;
- the same through the compose file (built image, hardening options, volumes).

Nothing of deploy/ is written: the compose check runs deploy/compose.yaml's service from a temporary folder,
with the test's own env file (deploy/bot.env is the operator's, with their secrets). Every container is
removed with its volumes, whatever fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from botapi import BotApiStandIn  # noqa: E402

TOKEN = "123456:SMOKE-token-not-real_abcdefghij"
QUESTION = "Какое соглашение подписал МАЗ?"


def check(what: str, ok: bool, detail: str = "") -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""), flush=True)
    if not ok:
        sys.exit(1)


def docker(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, **kwargs)


def health(container: str) -> str:
    return docker("inspect", "--format", "{{.State.Health.Status}}", container).stdout.strip()


def wait(predicate, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(step)
    return None


def answered(api: BotApiStandIn) -> dict | None:
    api.push({"message": {"message_id": 1, "date": int(time.time()), "text": QUESTION,
                          "chat": {"id": 111, "type": "private", "first_name": "A"},
                          "from": {"id": 111, "is_bot": False, "first_name": "A", "language_code": "ru"}}})
    return api.wait_for(lambda calls: next((p for m, p in calls if m == "sendMessage"), None), timeout=90)


def serving_checks(image: str, api: BotApiStandIn, container: str, start: list[str]) -> None:
    run = docker(*start)
    check(f"{container}: starts", run.returncode == 0, run.stderr)
    try:
        reply = answered(api)
        check(f"{container}: polls the Bot API stand-in and answers", "MAZ" in reply.get("text", ""), str(reply))
        check(f"{container}: HEALTHCHECK turns healthy", wait(lambda: health(container) == "healthy", 90) is not None,
              health(container))
        started = time.monotonic()
        stop = docker("stop", container)
        took = time.monotonic() - started
        code = docker("inspect", "--format", "{{.State.ExitCode}}", container).stdout.strip()
        check(f"{container}: docker stop ends it cleanly in {took:.1f} s", stop.returncode == 0 and took <= 2.0
              and code == "0", f"exit {code}, {took:.1f} s")
    finally:
        docker("rm", "--force", "--volumes", container)


def main(image: str) -> int:
    console = docker("run", "-i", "--rm", "-e", "BOT_REQUIRE_TOKEN=false", image, input=QUESTION + "\n", timeout=300)
    check("console answers the MAZ question", console.returncode == 0 and "MAZ" in console.stdout, console.stderr)

    missing = docker("run", "--rm", image, timeout=300)
    lines = [line for line in missing.stderr.splitlines() if line.strip()]
    check("a missing token fails with one clear line and a non-zero exit",
          missing.returncode != 0 and len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0], missing.stderr)

    with BotApiStandIn(TOKEN) as api:
        serving_checks(image, api, "innoprom-smoke", [
            "run", "-d", "--name", "innoprom-smoke", "--network", "host", "-e", f"TELEGRAM_BOT_TOKEN={TOKEN}",
            "-e", f"TELEGRAM_API_BASE_URL={api.base_url}", "-e", "BOT_HEALTH_LISTEN=127.0.0.1",
            "-e", "BOT_HEALTH_PORT=18080", "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges:true", image])

    with BotApiStandIn(TOKEN) as api, tempfile.TemporaryDirectory(prefix="innoprom-smoke-") as folder:
        compose = smoke_compose(image, Path(folder), f"TELEGRAM_BOT_TOKEN={TOKEN}\nTELEGRAM_API_BASE_URL={api.base_url}\n"
                                "BOT_HEALTH_PORT=18081\nBOT_HEALTH_LISTEN=127.0.0.1\n")
        files = ["-p", "innoprom-smoke", "-f", str(compose)]
        try:
            config = docker_compose(*files, "config")
            check("compose: the file is valid", config.returncode == 0, config.stderr)
            up = docker_compose(*files, "up", "-d", "--no-build")
            check("compose: up", up.returncode == 0, up.stderr)
            inspect = json.loads(docker("inspect", "innoprom-compose").stdout)[0]["HostConfig"]
            check("compose: read-only, no capabilities, no new privileges, rotated logs",
                  inspect["ReadonlyRootfs"] and inspect["CapDrop"] == ["ALL"]
                  and "no-new-privileges:true" in inspect["SecurityOpt"]
                  and inspect["LogConfig"]["Config"].get("max-size") == "10m", json.dumps(inspect)[:300])
            reply = answered(api)
            check("compose: polls and answers", "MAZ" in reply.get("text", ""), str(reply))
            check("compose: HEALTHCHECK turns healthy",
                  wait(lambda: health("innoprom-compose") == "healthy", 90) is not None, health("innoprom-compose"))
            started = time.monotonic()
            down = docker_compose(*files, "stop", "-t", "20")
            took = time.monotonic() - started
            check(f"compose: stop ends it cleanly in {took:.1f} s", down.returncode == 0 and took <= 3.0, down.stderr)
        finally:
            docker_compose(*files, "down", "--volumes")
    return 0


def smoke_compose(image: str, folder: Path, env: str) -> Path:
    """deploy/compose.yaml's service as it stands (hardening, volumes, logging), written into `folder` with
    the image under test, host networking, and `env` as its env file: no file of deploy/ is touched."""
    spec = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    bot = spec["services"]["bot"]
    bot.pop("build", None)
    bot.update(image=image, network_mode="host", container_name="innoprom-compose", env_file=[str(folder / "bot.env")])
    bot["volumes"] = [volume.replace("./", f"{ROOT / 'deploy'}/", 1) if volume.startswith("./") else volume
                      for volume in bot["volumes"]]
    (folder / "bot.env").write_text(env, encoding="utf-8")
    (folder / "compose.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return folder / "compose.yaml"


def docker_compose(*args: str) -> subprocess.CompletedProcess:
    plugin = subprocess.run(["docker", "compose", "version"], capture_output=True)
    command = ["docker", "compose"] if plugin.returncode == 0 else ["docker-compose"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=300)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
