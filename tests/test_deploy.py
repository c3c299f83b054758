"""The deployment files in deploy/: Dockerfile, compose file, systemd unit, gunicorn configuration.

No container image can be built where the base image cannot be pulled, so the
files are checked for what can be checked anywhere (instructions, paths,
settings); the image itself is built and run only where a container runtime
and the base image are both present.
"""

from __future__ import annotations

import configparser
import json
import runpy
import shlex
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from gunicorn.config import Config

from newssearch.server import gunicorn_options

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
DOCKER_INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
    "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) of deploy/Dockerfile, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in (DEPLOY / "Dockerfile").read_text("utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            word, _, args = pending.strip().partition(" ")
            out.append((word, args.strip()))
            pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return out


def test_dockerfile_parses_and_copies_what_exists() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    for word, args in instructions:
        assert word in DOCKER_INSTRUCTIONS, f"unknown instruction {word}"
        if word == "COPY":
            *sources, _target = shlex.split(args)
            for src in sources:
                assert (REPO / src).exists(), f"COPY {src}: no such file in the build context"
    cmd = json.loads(dict(instructions)["CMD"])
    assert cmd == ["gunicorn", "--config", "/etc/newssearch/gunicorn.conf.py", "newssearch.web:create_app()"]
    assert "VOLUME" in dict(instructions) and dict(instructions)["USER"] == "newssearch"


def test_compose_file_is_valid_and_names_existing_paths() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))
    service = compose["services"]["newssearch"]
    context = (DEPLOY / service["build"]["context"]).resolve()
    assert context == REPO and (context / service["build"]["dockerfile"]).is_file()
    volume, _, mount = service["volumes"][0].partition(":")
    assert volume in compose["volumes"] and mount == "/data"
    assert service["ports"] == ["8000:8000"]
    for name, value in service["environment"].items():
        assert name.startswith("NEWSSEARCH_") and isinstance(value, str)


def test_systemd_unit() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "newssearch.service")
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    exec_start = shlex.split(unit["Service"]["ExecStart"])
    assert exec_start[0].endswith("/gunicorn") and exec_start[-1] == "newssearch.web:create_app()"
    assert exec_start[exec_start.index("--config") + 1].endswith("/gunicorn.conf.py")
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    verify = shutil.which("systemd-analyze")
    if verify:  # where systemd is installed, let it check the unit too
        result = subprocess.run([verify, "verify", str(DEPLOY / "newssearch.service")], capture_output=True, text=True)
        assert "Unknown key" not in result.stderr and "Unknown section" not in result.stderr, result.stderr


def test_gunicorn_config_imports_and_matches_serve() -> None:
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    options = gunicorn_options("0.0.0.0", 8000, None, "json")
    for key, value in options.items():
        assert key in conf, f"deploy/gunicorn.conf.py does not set {key}"
        assert conf[key] == value or callable(value), key
    cfg = Config()
    for key in (*options, "post_worker_init"):
        cfg.set(key, conf[key])  # gunicorn validates every setting
    assert cfg.bind == ["0.0.0.0:8000"] and cfg.worker_class_str == "gevent"


def _runtime() -> str | None:
    for name in ("docker", "podman"):
        path = shutil.which(name)
        if path and subprocess.run([path, "image", "inspect", "python:3.11-slim"], capture_output=True).returncode == 0:
            return path
    return None


@pytest.mark.slow
def test_image_builds_and_serves(tmp_path: Path) -> None:
    runtime = _runtime()
    if runtime is None:
        pytest.skip("no container runtime with the python:3.11-slim base image here (it cannot be pulled offline)")
    tag = "newssearch-test:latest"
    subprocess.run([runtime, "build", "-f", str(DEPLOY / "Dockerfile"), "-t", tag, str(REPO)], check=True,
                   capture_output=True, timeout=900)
    subprocess.run([runtime, "run", "--rm", "-v", f"{tmp_path}:/data", tag, "newssearch", "demo", "--no-serve",
                    "--index-dir", "/data/index"], check=True, capture_output=True, timeout=300)
    name = f"newssearch-test-{int(time.time())}"
    subprocess.run([runtime, "run", "-d", "--name", name, "-p", "127.0.0.1:18731:8000", "-v", f"{tmp_path}:/data",
                    tag], check=True, capture_output=True, timeout=60)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:18731/api/search?q=nha+pho", timeout=5) as r:
                    assert json.load(r)["total"] > 0
                    break
            except OSError:
                assert time.monotonic() < deadline, "the container did not serve searches"
                time.sleep(1)
    finally:
        subprocess.run([runtime, "rm", "-f", name], capture_output=True, timeout=60)

