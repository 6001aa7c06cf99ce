#!/usr/bin/env bash
# Builds the image from the repository's Dockerfile and runs it the way an operator would, against
# the machine's own PostgreSQL and Redis on 127.0.0.1 (host networking): the one-off commands
# (init-db, load-exercises, create-user), then a node; waits for the image's HEALTHCHECK to report
# healthy, checks /healthz on the liveness port and /readyz, and with curl alone signs a trainer in,
# creates and opens a workshop, and joins it as a participant. Not part of `make test`: it needs a
# Docker engine and takes minutes (the image build).
#
#   benchmarks/container_smoke.sh
#
# Settings (environment):
#   PYTHON_IMAGE   base image for the build (default python:3.11-slim). Where Docker Hub cannot be
#                  reached, STANDIN_BASE=1 builds a stand-in first: Debian 12's own Python 3.11 from
#                  deb.debian.org with debootstrap (apt-get install debootstrap), trusting this
#                  machine's extra CA certificates (/usr/local/share/ca-certificates) for pip.
#   PGHOST/PGPORT/PGUSER  the PostgreSQL to create a scratch database in (127.0.0.1, 5432, postgres)
#   REDIS_URL      default redis://127.0.0.1:6379/15
#   KEEP=1         keep the container, image and database afterwards, for a look.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
IMAGE=calibrate:smoke
RUN_ID=$$
NODE=calibrate-smoke-$RUN_ID
DATABASE=calibrate_smoke_$RUN_ID
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}
PYTHON_IMAGE=${PYTHON_IMAGE:-python:3.11-slim}
WORK=$(mktemp -d)
APP_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LIVENESS_PORT=$((APP_PORT + 1000))  # gunicorn.conf.py's default: the app's port + 1000
BASE=http://127.0.0.1:$APP_PORT

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; docker logs --tail 40 "$NODE" >&2 2>/dev/null || true; exit 1; }

cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept: container $NODE, image $IMAGE, database $DATABASE, files $WORK"
        return
    fi
    docker rm -f "$NODE" >/dev/null 2>&1 || true
    dropdb --if-exists "$DATABASE" || true
    rm -rf "$WORK"
}
trap cleanup EXIT

standin_base() {
    # Debian 12 (the base of python:3.11-slim) with its Python 3.11 and venv, imported as a local image.
    local root=$WORK/rootfs
    PYTHON_IMAGE=calibrate-smoke-base:bookworm-py311
    if docker image inspect "$PYTHON_IMAGE" >/dev/null 2>&1; then
        return
    fi
    step "stand-in base image $PYTHON_IMAGE (debootstrap, Debian 12's python3.11)"
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$WORK/debootstrap.log"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
    chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends python3 python3-venv ca-certificates && apt-get clean && rm -rf /var/lib/apt/lists/*' \
        >>"$WORK/debootstrap.log"
    tar -C "$root" -c . | docker import --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' - "$PYTHON_IMAGE"
}

# Flask-WTF's hidden field, in any form of the page on stdin.
csrf() { sed -n 's/.*name="csrf_token"[^>]*value="\([^"]*\)".*/\1/p' | head -1; }
# curl with a cookie jar ($1), printing "<status> <redirect>" for a POST.
post() { local jar=$1; shift; curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -c "$jar" -b "$jar" "$@"; }
get() { local jar=$1; shift; curl -sS --fail -c "$jar" -b "$jar" "$@"; }

docker info >/dev/null 2>&1 || fail "no Docker engine answers (docker info)"
if [ "${STANDIN_BASE:-0}" = 1 ]; then
    standin_base
fi

step "build $IMAGE from $PYTHON_IMAGE"
docker build --network host --build-arg "PYTHON_IMAGE=$PYTHON_IMAGE" --tag "$IMAGE" "$REPO" >"$WORK/build.log" 2>&1 \
    || { tail -30 "$WORK/build.log"; fail "docker build"; }
docker image inspect "$IMAGE" --format 'size {{.Size}} bytes, user {{.Config.User}}, healthcheck {{.Config.Healthcheck.Test}}'

SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
ENVIRONMENT=(
    -e "CALIBRATE_DATABASE_URL=postgresql+psycopg://$PGUSER@$PGHOST:$PGPORT/$DATABASE"
    -e "REDIS_URL=$REDIS_URL"
    -e "CALIBRATE_SECRET_KEY=$SECRET_KEY"
    -e CALIBRATE_SECURE_COOKIES=0                       # plain HTTP on loopback
    -e "CALIBRATE_BIND=127.0.0.1:$APP_PORT"             # the liveness port follows: + 1000
    -e CALIBRATE_LIVENESS_BIND=
    -e CALIBRATE_WORKERS=2
)
oneoff() { docker run --rm --network host "${ENVIRONMENT[@]}" "$IMAGE" "$@"; }

step "one-off commands: init-db, load-exercises, create-user (database $DATABASE)"
createdb "$DATABASE"
oneoff calibrate init-db 2>"$WORK/init-db.log"
oneoff calibrate load-exercises
TRAINER=trainer@example.org
PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')
oneoff calibrate create-user "$TRAINER" --role trainer --password "$PASSWORD"

step "start a node on 127.0.0.1:$APP_PORT and wait for the HEALTHCHECK"
docker run -d --name "$NODE" --network host "${ENVIRONMENT[@]}" "$IMAGE" >/dev/null
[ "$(docker exec "$NODE" id -u)" != 0 ] || fail "the node runs as root"
for _ in $(seq 90); do
    health=$(docker inspect --format '{{.State.Health.Status}}' "$NODE")
    [ "$health" = healthy ] && break
    [ "$(docker inspect --format '{{.State.Running}}' "$NODE")" = true ] || fail "the node exited"
    sleep 1
done
[ "$health" = healthy ] || fail "health status $health after 90 s"
echo "health: $health"

step "probes"
liveness=$(curl -sS --fail "http://127.0.0.1:$LIVENESS_PORT/healthz")
echo "liveness :$LIVENESS_PORT/healthz $liveness"
[ "$liveness" = '{"status": "ok"}' ] || fail "liveness answered $liveness"
ready=$(curl -sS --fail "$BASE/readyz")
echo "readyz $ready"
[ "$ready" = '{"database":"ok","redis":"ok","status":"ok"}' ] || fail "readyz answered $ready"

step "a trainer signs in, creates and opens a workshop"
TRAINER_JAR=$WORK/trainer.jar
token=$(get "$TRAINER_JAR" "$BASE/login" | csrf)
answer=$(post "$TRAINER_JAR" --data-urlencode "csrf_token=$token" --data-urlencode "email=$TRAINER" \
    --data-urlencode "password=$PASSWORD" "$BASE/login")
[ "$answer" = "302 $BASE/trainer/" ] || fail "sign-in answered $answer"
new_page=$(get "$TRAINER_JAR" "$BASE/trainer/workshops/new")
exercise=$(sed -n 's/.*<option selected value="\([0-9]*\)".*/\1/p' <<<"$new_page" | head -1)
answer=$(post "$TRAINER_JAR" --data-urlencode "csrf_token=$(csrf <<<"$new_page")" -d title=Smoke \
    -d "exercise_id=$exercise" -d use_control=y -d weight_control=1 -d expected_participants=30 -d ask_intervals=y \
    "$BASE/trainer/workshops/new")
workshop=$(sed -n 's#^302 .*/trainer/workshops/\([0-9]*\)$#\1#p' <<<"$answer")
[ -n "$workshop" ] || fail "creating the workshop answered $answer"
workshop_page=$(get "$TRAINER_JAR" "$BASE/trainer/workshops/$workshop")
code=$(sed -n 's/.*Workshop created with code \([A-Z0-9]*\)\..*/\1/p' <<<"$workshop_page")
answer=$(post "$TRAINER_JAR" --data-urlencode "csrf_token=$(csrf <<<"$workshop_page")" "$BASE/trainer/workshops/$workshop/open")
[ "$answer" = "302 $BASE/trainer/workshops/$workshop" ] || fail "opening the workshop answered $answer"
echo "workshop $workshop open, code $code"

step "a participant joins with the code"
PARTICIPANT_JAR=$WORK/participant.jar
join_page=$(get "$PARTICIPANT_JAR" "$BASE/j/$code")
answer=$(post "$PARTICIPANT_JAR" --data-urlencode "csrf_token=$(csrf <<<"$join_page")" -d consent=y -d pseudonym=smoke \
    "$BASE/j/$code")
participant_url=$(sed -n 's#^302 \(.*/p/[A-Za-z0-9_-]*\)$#\1#p' <<<"$answer")
[ -n "$participant_url" ] || fail "joining answered $answer"
first_page=$(curl -sS --fail -L -c "$PARTICIPANT_JAR" -b "$PARTICIPANT_JAR" -o /dev/null -w '%{http_code} %{url_effective}' "$participant_url")
[ "${first_page%% *}" = 200 ] || fail "the participant's first page answered ${first_page%% *}"
echo "joined: their first page (${first_page##*/}) answered 200"
joined=$(psql -d "$DATABASE" -tAc "select count(*) from participant where workshop_id = $workshop")
[ "$joined" = 1 ] || fail "$joined participants in the database, expected 1"

step "the node's log names no participant token"
participant_token=${participant_url##*/}
if docker logs "$NODE" 2>&1 | grep -qF -- "$participant_token"; then
    fail "the participant's token is in the container log"
fi

echo
echo "container smoke: passed (image $IMAGE from $PYTHON_IMAGE; probes, sign-in, workshop, join)"
