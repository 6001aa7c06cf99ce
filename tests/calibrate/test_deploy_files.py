"""The deployment files in deploy/ agree with the app: HAProxy accepts its config, the compose file
sets only settings the app reads, and the image runs the repository's gunicorn.conf.py.

None of them is built or started here (no Docker engine on the project's machine); docs/deploy.md says so.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
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
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_services_and_environment_match_the_app():
    compose = _compose()
    services = compose["services"]
    assert {"postgres", "redis", "haproxy", "migrate", "app1", "app2"} <= set(services)
    known = app_settings()
    for name in APP_IMAGE_SERVICES:
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
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
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in mounts
    backend_servers = re.findall(r"^\s*server (\S+) (\S+):(\d+)", (DEPLOY / "haproxy.cfg").read_text(), flags=re.MULTILINE)
    assert {(name, host) for name, host, _port in backend_servers} == {("app1", "app1"), ("app2", "app2")}
    bind = services["app1"]["environment"]["CALIBRATE_BIND"]
    assert {port for *_, port in backend_servers} == {bind.rsplit(":", 1)[1]}
    # HAProxy checks each node's liveness port, which gunicorn's master answers (gunicorn.conf.py).
    check_ports = set(re.findall(r"^\s*server \S+ \S+ port (\d+)", (DEPLOY / "haproxy.cfg").read_text(), flags=re.MULTILINE))
    assert check_ports == {services["app1"]["environment"]["CALIBRATE_LIVENESS_BIND"].rsplit(":", 1)[1]}


def test_dockerfile_runs_the_repository_gunicorn_config():
    text = (DEPLOY / "Dockerfile").read_text()
    instructions = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert instructions[0].startswith("FROM python:3.11-slim")
    cmd = json.loads(next(line for line in instructions if line.startswith("CMD ")).removeprefix("CMD "))
    assert cmd[:3] == ["gunicorn", "-c", "gunicorn.conf.py"] and cmd[-1] == "calibrate:create_app()"
    assert re.search(r"^COPY [^\n]*\bgunicorn\.conf\.py\b", text, flags=re.MULTILINE)
    user = next(line for line in instructions if line.startswith("USER "))
    assert user.split()[1] not in {"root", "0"}
    assert text.index("USER ") < text.index("CMD ")
    assert re.search(r"^HEALTHCHECK .*\n?.*127\.0\.0\.1:9000/healthz", text, flags=re.MULTILINE), "the liveness port"
    assert "CALIBRATE_LIVENESS_BIND=0.0.0.0:9000" in text
