# Calibrate app node: gunicorn with the repository's gunicorn.conf.py, as a non-root user.
#
#   docker build -t calibrate .
#
# compose.yaml runs two of these behind HAProxy (docs/deploy.md, "Containers"). Configuration comes
# from the environment at run time (README, "Configuration"); nothing secret is baked into the image.
# The schema is migrated by a one-off command, never at start, so that two nodes starting together
# do not race: `docker compose run --rm migrate` (compose.yaml runs it before the nodes start).
#
# PYTHON_IMAGE: another Python 3.11 image on Debian 12 (a mirror, a pinned digest); it needs `python3 -m venv`.
ARG PYTHON_IMAGE=python:3.11-slim

# Build stage: the project and its dependencies, as wheels only (no compiler), into a virtual environment.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/calibrate
WORKDIR /src
# Dependencies first, from pyproject.toml alone: a change to the code does not download them again.
COPY pyproject.toml ./
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && /opt/calibrate/bin/pip install --only-binary=:all: --requirement requirements.txt
# The wheel bundles templates, exercises and migrations (pyproject.toml); the install is not editable,
# and pip compiles every module to bytecode here, so nothing is compiled at run time.
COPY README.md ./
COPY calibrate ./calibrate
COPY analysis ./analysis
COPY templates ./templates
COPY experiments ./experiments
COPY migrations ./migrations
# Compiled translations are not in git: compile them so the wheel carries them (pyproject.toml "artifacts").
RUN /opt/calibrate/bin/pybabel compile -d calibrate/translations \
    && /opt/calibrate/bin/pip install --no-deps .

# Run stage: the virtual environment and gunicorn.conf.py, nothing of the build.
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/calibrate/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --gid 10001 calibrate \
    && useradd --uid 10001 --gid calibrate --home-dir /app --shell /usr/sbin/nologin calibrate
COPY --from=build /opt/calibrate /opt/calibrate
# Flask's instance folder of the installed package; create_app creates it at start, so it exists and
# belongs to the app user (in production nothing is written there: the secret key comes from the environment).
RUN install -d -o calibrate -g calibrate /opt/calibrate/var/calibrate-instance
WORKDIR /app
COPY gunicorn.conf.py ./

USER calibrate

ENV CALIBRATE_ENV=production \
    CALIBRATE_BIND=0.0.0.0:8000 \
    CALIBRATE_LIVENESS_BIND=0.0.0.0:9000 \
    CALIBRATE_LOG_FORMAT=json

# 8000: the app; 9000: liveness, answered by gunicorn's master (gunicorn.conf.py), never queued behind busy workers.
EXPOSE 8000 9000

# Liveness only (no database, no Redis), on the master's port: a node busy with slow requests is not restarted.
# gunicorn.conf.py finds that port from CALIBRATE_BIND / CALIBRATE_LIVENESS_BIND, so the check follows them.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "gunicorn.conf.py"]

CMD ["gunicorn", "--config", "gunicorn.conf.py", "calibrate:create_app()"]
