"""The deployment files agree with the app: HAProxy accepts deploy/haproxy.cfg, compose.yaml sets only
settings the app reads, and the image (Dockerfile) runs the repository's gunicorn.conf.py on its ports.

Building and running the image needs a Docker engine: benchmarks/container_smoke.sh (docs/deploy.md).
"""

from __future__ import annotations

import json
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
DOCKERFILE = REPO / "Dockerfile"
HAPROXY = shutil.which("haproxy") or next(
    (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).is_file()), None
)
APP_IMAGE_SERVICES = {"migrate", "app1", "app2"}
# How the app reads a setting: os.environ.get("X"), os.environ["X"], _flag("X"), _int("X"), _positive_int("X").
SETTING_READ = re.compile(r"""(?:environ\.get|environ\[|getenv|_flag|_int|_positive_int)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")


def app_settings() -> set[str]:
    """Every environment variable the app (calibrate/) and gunicorn.conf.py read."""
    names: set[str] = set()
    for path in [REPO / "gunicorn.conf.py", *sorted((REPO / "calibrate").rglob("*.py"))]:
        names |= set(SETTING_READ.findall(path.read_text(encoding="utf-8")))
    return names


def test_app_settings_are_found():
    """The scan above finds the settings of README's Configuration table (so the next test means something)."""
    assert {
        "CALIBRATE_ENV", "CALIBRATE_SECRET_KEY", "CALIBRATE_DATABASE_URL", "REDIS_URL", "CALIBRATE_PROXY_FIX",
        "CALIBRATE_SECURE_COOKIES", "CALIBRATE_LOG_FORMAT", "CALIBRATE_JOIN_RATE_LIMIT", "CALIBRATE_BIND",
        "CALIBRATE_WORKERS",
    } <= app_settings()


def _check(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([HAPROXY, "-c", "-f", str(config)], capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.skipif(HAPROXY is None, reason="haproxy is not installed (Debian/Ubuntu: apt-get install -y haproxy)")
def test_haproxy_config_is_valid():
    result = _check(DEPLOY / "haproxy.cfg")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(HAPROXY is None, reason="haproxy is not installed (Debian/Ubuntu: apt-get install -y haproxy)")
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed to make a test certificate")
def test_haproxy_tls_variant_is_valid(tmp_path):
    """The commented production lines (marked TLS) are valid too, with a self-signed certificate."""
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=calibrate.test",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )
    (certs / "site.pem").write_text((tmp_path / "cert.pem").read_text() + (tmp_path / "key.pem").read_text())
    text = (DEPLOY / "haproxy.cfg").read_text()
    enabled = re.sub(
        r"^(\s*)# ((?:bind :443|http-request redirect|use_backend acme|backend acme|    server certbot).*)$",
        r"\1\2", text, flags=re.MULTILINE,
    )
    assert enabled.count("bind :443 ssl crt /etc/haproxy/certs/") == 1 and "backend acme\n" in enabled
    config = tmp_path / "haproxy-tls.cfg"
    config.write_text(enabled.replace("/etc/haproxy/certs/", f"{certs}/"))
    result = _check(config)
    assert result.returncode == 0, result.stdout + result.stderr


def test_haproxy_config_sets_what_the_app_trusts():
    """With CALIBRATE_PROXY_FIX=1 the app trusts X-Forwarded-For/-Proto/-Host: the proxy must set all three,
    check /healthz, retry and redispatch, and log no request path (participant tokens)."""
    text = (DEPLOY / "haproxy.cfg").read_text()
    active = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    for needed in ("option forwardfor", "balance roundrobin", "option redispatch 1", "retries 3",
                   "http-request set-header X-Forwarded-Host %[req.hdr(host)]",
                   "http-request set-header X-Request-ID %[unique-id]"):
        assert needed in active, needed
    assert any(line.startswith("http-request set-header X-Forwarded-Proto") for line in active)
    assert any("uri /healthz" in line for line in active)
    log_format = next(line for line in active if line.startswith("log-format"))
    assert not re.search(r"%(?:\{[^}]*\})?(?:r|HU|HP|HQ)\b", log_format), log_format


def _compose() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed in this environment: compose.yaml not parsed")
    return yaml.safe_load((REPO / "compose.yaml").read_text())


def test_compose_services_and_environment_match_the_app():
    compose = _compose()
    services = compose["services"]
    assert {"postgres", "redis", "haproxy", "migrate", "app1", "app2"} <= set(services)
    known = app_settings()
    for name in APP_IMAGE_SERVICES:
        service = services[name]
        assert service["build"] == ".", "the repository's Dockerfile"
        environment = service["environment"]
        assert isinstance(environment, dict)
        unknown = set(environment) - known
        assert not unknown, f"{name} sets variables the app never reads: {sorted(unknown)}"
        assert environment["CALIBRATE_ENV"] == "production"
        assert environment["CALIBRATE_PROXY_FIX"] == "1"
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert "@postgres:5432/" in environment["CALIBRATE_DATABASE_URL"]
        # Secrets come from the environment or .env, never from this file.
        assert re.fullmatch(r"\$\{CALIBRATE_SECRET_KEY:\?[^}]*\}", environment["CALIBRATE_SECRET_KEY"])
        assert "${POSTGRES_PASSWORD:?" in environment["CALIBRATE_DATABASE_URL"]
    assert services["migrate"]["command"][-1] == "calibrate init-db && calibrate load-exercises"
    for node in ("app1", "app2"):
        assert services[node]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "ports" not in services[node], "only HAProxy may be reachable from outside"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    mounts = services["haproxy"]["volumes"]
    assert "./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in mounts
    backend_servers = re.findall(r"^\s*server (\S+) (\S+):(\d+)", (DEPLOY / "haproxy.cfg").read_text(), flags=re.MULTILINE)
    assert {(name, host) for name, host, _port in backend_servers} == {("app1", "app1"), ("app2", "app2")}
    bind = services["app1"]["environment"]["CALIBRATE_BIND"]
    assert {port for *_, port in backend_servers} == {bind.rsplit(":", 1)[1]}
    # HAProxy checks each node's liveness port, which gunicorn's master answers (gunicorn.conf.py).
    check_ports = set(re.findall(r"^\s*server \S+ \S+ port (\d+)", (DEPLOY / "haproxy.cfg").read_text(), flags=re.MULTILINE))
    assert check_ports == {services["app1"]["environment"]["CALIBRATE_LIVENESS_BIND"].rsplit(":", 1)[1]}


def _instructions() -> list[str]:
    """The Dockerfile's instructions, each on one line (continuations joined, comments left out)."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_dockerfile_runs_the_repository_gunicorn_config():
    instructions = _instructions()
    stages = [line for line in instructions if line.startswith("FROM ")]
    assert instructions[0] == "ARG PYTHON_IMAGE=python:3.11-slim"
    assert all(line.split()[1] == "${PYTHON_IMAGE}" for line in stages), stages
    cmd = json.loads(next(line for line in instructions if line.startswith("CMD ")).removeprefix("CMD "))
    assert cmd[:3] == ["gunicorn", "--config", "gunicorn.conf.py"] and cmd[-1] == "calibrate:create_app()"
    assert "COPY gunicorn.conf.py ./" in instructions
    user = next(line for line in instructions if line.startswith("USER "))
    assert user.split()[1] not in {"root", "0"}
    assert instructions.index(user) < instructions.index(next(line for line in instructions if line.startswith("CMD ")))
    # Installed from the repository as a wheel, never editable.
    assert not any(" -e " in line or "--editable" in line for line in instructions)
    healthcheck = next(line for line in instructions if line.startswith("HEALTHCHECK "))
    assert healthcheck.endswith('CMD ["python", "gunicorn.conf.py"]'), "the liveness probe of gunicorn.conf.py"


def test_dockerfile_ports_are_gunicorn_defaults(monkeypatch):
    """EXPOSE names the app port of gunicorn.conf.py's default bind and the liveness port it derives (+1000),
    and the image binds both on every interface."""
    for name in ("CALIBRATE_BIND", "CALIBRATE_LIVENESS_BIND"):
        monkeypatch.delenv(name, raising=False)
    defaults = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    app_port = int(defaults["bind"].rsplit(":", 1)[1])
    liveness_port = defaults["liveness_address"][1]
    instructions = _instructions()
    exposed = {int(port) for line in instructions if line.startswith("EXPOSE ") for port in line.split()[1:]}
    assert exposed == {app_port, liveness_port} == {8000, 9000}
    environment = " ".join(line for line in instructions if line.startswith("ENV "))
    assert f"CALIBRATE_BIND=0.0.0.0:{app_port}" in environment
    assert f"CALIBRATE_LIVENESS_BIND=0.0.0.0:{liveness_port}" in environment


def _ignored() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_dockerignore_keeps_local_state_out_and_the_sources_in():
    ignored = _ignored()
    for local in (".venv", "instance", ".git", ".env", "docs", "tests"):
        assert local in ignored, local
    assert not any(line.startswith("!") for line in ignored)
    copied = [word for line in _instructions() if line.startswith("COPY ") and "--from=" not in line
              for word in line.split()[1:-1]]
    assert {"calibrate", "analysis", "templates", "experiments", "migrations", "pyproject.toml", "gunicorn.conf.py"} <= set(copied)
    for source in copied:
        assert source not in ignored and (REPO / source).exists(), source


def test_env_example_names_what_compose_reads():
    """deploy/env.example documents the variables compose.yaml interpolates, and leaves the secrets empty."""
    compose_text = (REPO / "compose.yaml").read_text()
    interpolated = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose_text))
    required = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):\?", compose_text))
    example = (DEPLOY / "env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    assert documented == interpolated
    assert required == {"CALIBRATE_SECRET_KEY", "POSTGRES_PASSWORD"}
    for name in required:
        assert re.search(rf"^{name}=$", example, flags=re.MULTILINE), f"{name} must be filled in by the operator"
    assert ".env" in (REPO / ".gitignore").read_text().splitlines(), "the filled-in .env is never committed"
