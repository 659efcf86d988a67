#!/usr/bin/env bash
# Checks the production set-up of docs/production.md by doing it, in a temporary
# directory that plays the server:
#
# - with Docker (when `docker info` works): builds the image from this checkout and
#   runs the container with a volume and an env file made from deploy/env.example;
# - otherwise on this machine: a fresh venv in <tmp>/opt/survey-app/venv, a
#   non-editable `pip install` of this checkout, the env file, and gunicorn with
#   deploy/gunicorn.conf.py on a free port of 127.0.0.1.
#
# Then, against either: /robots.txt and /login answer 200 with the security headers
# (HSTS, as BASE_URL is https), link tokens are masked in the server's log, and the
# documented commands work with the env file: users create --link, send-due
# --dry-run, outbox, backup (the backup unit's own command, keeping 14 files) and
# purge-contacts --dry-run. Last, the systemd units are checked with
# `systemd-analyze verify` and deploy/nginx.conf with `nginx -t` and real requests
# through it, each only where the tool is installed (skipped with a message otherwise).
#
# Prints "ok: ..." per check and "skip: ..." for what it cannot check here; exits
# non-zero at the first failure, with "FAIL: ..." saying what went wrong.
#
# Environment:
#   CHECK_MODE=auto|host|docker  auto (default): Docker when `docker info` works
#   PYTHON=python3.11            the interpreter for the host's venv (default: python3)
#   KEEP=1                       keep the temporary directory for a look afterwards
#
# The host path installs into a fresh venv, as a server would; pip's cache makes
# that take seconds once the dependencies have been downloaded.

set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPLOY="$REPO/deploy"
PYTHON=${PYTHON:-python3}
MODE=${CHECK_MODE:-auto}
STARTED=$(date +%s)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/survey-app-check.XXXXXX")
HOST="$WORK/host"                        # the "server's" file system
VENV="$HOST/opt/survey-app/venv"
ETC="$HOST/etc/survey-app"
STATE="$HOST/var/lib/survey_app"
BACKUPS="$HOST/var/backups/survey-app"
LOGS="$WORK/logs"
mkdir -p "$ETC" "$STATE" "$BACKUPS" "$LOGS" "$WORK/tools"

GUNICORN_PID=""
NGINX_PID=""
CONTAINER=""
VOLUME=""
IMAGE="survey-app:check-$$"

say() { echo "check: $*"; }
ok() { echo "ok: $*"; }
skip() { echo "skip: $*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
show_log() { # the end of a log, for a failure's context
    [ -s "$1" ] && { echo "--- last lines of $1:" >&2; tail -n 40 "$1" >&2; echo "---" >&2; }
    return 0
}

cleanup() {
    local status=$?
    if [ -n "$NGINX_PID" ]; then
        kill "$NGINX_PID" 2>/dev/null
        wait "$NGINX_PID" 2>/dev/null
    fi
    if [ -n "$GUNICORN_PID" ]; then
        kill -TERM "$GUNICORN_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$GUNICORN_PID" 2>/dev/null # the session: workers left behind too
        wait "$GUNICORN_PID" 2>/dev/null
        say "gunicorn stopped"
    fi
    if [ -n "$CONTAINER" ]; then
        docker rm -f "$CONTAINER" >/dev/null 2>&1 && say "container removed"
    fi
    [ -n "$VOLUME" ] && docker volume rm -f "$VOLUME" >/dev/null 2>&1
    if [ "$MODE" = docker ] && [ "${KEEP:-}" != 1 ]; then
        docker image rm -f "$IMAGE" >/dev/null 2>&1
    fi
    if [ "${KEEP:-}" = 1 ]; then
        say "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

elapsed() { echo "$(($(date +%s) - STARTED)) s"; }

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A tiny HTTP client (no redirects followed, any certificate accepted): prints the
# status, then the headers as "Name: value", then a blank line and the body.
cat >"$WORK/tools/http_get.py" <<'PY'
import http.client, signal, ssl, sys

signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # a reader that stops early (head -n 1) is fine
from urllib.parse import urlsplit

url = urlsplit(sys.argv[1])
host = sys.argv[2] if len(sys.argv) > 2 else url.hostname
if url.scheme == "https":
    conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=10, context=ssl._create_unverified_context())
else:
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
path = url.path + ("?" + url.query if url.query else "")
try:
    conn.request("GET", path or "/", headers={"Host": host})
    response = conn.getresponse()
except OSError as error:
    print(f"000 {error}")
    sys.exit(0)
print(response.status)
for name, value in response.getheaders():
    print(f"{name}: {value}")
print()
print(response.read().decode("utf-8", "replace"))
PY
http_get() { "$PYTHON" "$WORK/tools/http_get.py" "$@"; }

wait_for() { # URL SECONDS LOG: until URL answers 200
    local deadline=$(($(date +%s) + $2))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        [ "$(http_get "$1" | head -n 1)" = 200 ] && return 0
        sleep 0.2
    done
    show_log "$3"
    fail "$1 did not answer 200 within $2 s"
}

# -- The env file: deploy/env.example with this test's values ---------------------------

write_env_file() { # INSTANCE_DIR TARGET
    local instance=$1 target=$2
    [ -f "$DEPLOY/env.example" ] || fail "deploy/env.example is missing"
    "$PYTHON" - "$DEPLOY/env.example" "$target" "$instance" <<'PY' || fail "could not write the env file"
import re, secrets, sys

source, target, instance = sys.argv[1:4]
test_values = {
    "SURVEY_APP_SECRET_KEY": secrets.token_urlsafe(48),
    "SURVEY_APP_BASE_URL": "https://survey.check.invalid",
    "SURVEY_APP_INSTANCE_PATH": instance,
    "SURVEY_APP_DATABASE": f"{instance}/survey.db",
    # Nothing leaves this machine: messages are only logged.
    "SURVEY_APP_SMS_BACKEND": "console",
    "SURVEY_APP_MAIL_BACKEND": "console",
}
lines, seen = [], set()
for line in open(source, encoding="utf-8").read().splitlines():
    match = re.match(r"([A-Z][A-Z0-9_]*)=", line)
    if match and match.group(1) in test_values:
        line = f"{match.group(1)}={test_values[match.group(1)]}"
        seen.add(match.group(1))
    lines.append(line)
missing = set(test_values) - seen
if missing:
    sys.exit(f"env.example lacks {', '.join(sorted(missing))}")
open(target, "w", encoding="utf-8").write("\n".join(lines) + "\n")
PY
    chmod 0640 "$target"
}

# The env file as systemd's EnvironmentFile= and docker's --env-file read it:
# KEY=value lines, the value taken as it stands; comments and blank lines skipped.
ENV_ARGS=()
load_env_file() {
    ENV_ARGS=()
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in '' | '#'*) continue ;; esac
        [[ "$line" == *=* ]] || fail "env file line without '=': $line"
        ENV_ARGS+=("$line")
    done <"$1"
}

# A command with exactly the env file's environment (and PATH, HOME, LANG).
with_env() {
    env -i "PATH=$VENV/bin:/usr/local/bin:/usr/bin:/bin" "HOME=$STATE" "LANG=C.UTF-8" "${ENV_ARGS[@]}" "$@"
}

# -- Checks shared by both paths ---------------------------------------------------

check_http() { # BASE_URL LOG: the pages and headers, and the log masking tokens
    local base=$1 log=$2 response header
    response=$(http_get "$base/robots.txt")
    [ "$(head -n 1 <<<"$response")" = 200 ] || fail "/robots.txt answered $(head -n 1 <<<"$response"), not 200"
    ok "/robots.txt 200"
    response=$(http_get "$base/login")
    [ "$(head -n 1 <<<"$response")" = 200 ] || fail "/login answered $(head -n 1 <<<"$response"), not 200"
    ok "/login 200"
    grep -q '<html lang="da">' <<<"$response" && grep -q 'Adgangskode' <<<"$response" ||
        fail "/login is not in Danish: the message catalogues were not found or not compiled"
    ok "/login in Danish (catalogues compiled)"
    for header in Strict-Transport-Security Content-Security-Policy Referrer-Policy \
        X-Content-Type-Options X-Frame-Options; do
        line=$(grep -i "^$header: " <<<"$response" | head -n 1)
        [ -n "$line" ] || fail "/login has no $header header (BASE_URL is https)"
        ok "/login header $line"
    done
    grep -qi '^Strict-Transport-Security: max-age=[1-9]' <<<"$response" || fail "HSTS without a max-age"
    # A made-up link: the app refuses it, and the log must show /s/*** only.
    http_get "$base/s/CHECKTOKEN.abc.def" >/dev/null
    sleep 0.5
    local written
    written=$(cat "$log" 2>/dev/null)
    grep -q 'CHECKTOKEN' <<<"$written" && fail "a link token reached the server's log"
    grep -q '/s/\*\*\*' <<<"$written" || { show_log "$log"; fail "no masked request line (/s/***) in the server's log"; }
    ok "access log shows /s/*** and not the token"
}

check_commands() { # RUNNER...: runs survey-app with the env file (on the host or in the container)
    local output
    output=$("$@" survey-app users create admin@check.invalid --role admin --link 2>&1) ||
        fail "users create --link failed: $output"
    grep -q 'https://survey.check.invalid/' <<<"$output" || fail "users create --link printed no https link: $output"
    ok "users create admin@check.invalid --role admin --link printed a one-time https link"

    output=$("$@" survey-app send-due --dry-run 2>&1) || fail "send-due --dry-run failed: $output"
    grep -q 'Prøvekørsel' <<<"$output" || fail "send-due --dry-run printed no summary: $output"
    ok "send-due --dry-run: $(grep 'Prøvekørsel' <<<"$output")"

    output=$("$@" survey-app outbox 2>&1) || fail "outbox failed: $output"
    ok "outbox: $(head -n 1 <<<"$output")"

    output=$("$@" survey-app purge-contacts --dry-run 2>&1) || fail "purge-contacts --dry-run failed: $output"
    ok "purge-contacts --dry-run: $output"
}

check_systemd_units() { # VENV_BIN: where the units' /opt/survey-app/venv/bin is on this machine
    if ! command -v systemd-analyze >/dev/null 2>&1; then
        skip "systemd-analyze not installed: systemd units not verified"
        return
    fi
    local units="$WORK/systemd" output
    mkdir -p "$units"
    local unit
    for unit in "$DEPLOY"/*.service "$DEPLOY"/*.timer; do
        sed -e "s#/opt/survey-app/venv/bin#$1#g" -e "s#/etc/survey-app#$ETC#g" "$unit" >"$units/$(basename "$unit")"
    done
    # Every timer needs its service beside it.
    for unit in "$units"/*.timer; do
        [ -f "${unit%.timer}.service" ] || fail "$(basename "$unit") has no service of the same name"
    done
    if ! output=$(cd "$units" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify ./*.service ./*.timer 2>&1); then
        fail "systemd-analyze verify: $output"
    fi
    # Warnings about the machine itself (no systemd running here) are not the units' fault.
    output=$(grep -F "$units" <<<"$output" || true)
    [ -z "$output" ] || fail "systemd-analyze verify warns: $output"
    ok "systemd-analyze verify: $(cd "$units" && ls | tr '\n' ' ')"
}

check_nginx() { # UPSTREAM_PORT: validates deploy/nginx.conf, then sends requests through it
    if ! command -v nginx >/dev/null 2>&1; then
        skip "nginx not installed: deploy/nginx.conf not checked (apt-get install nginx-light)"
        return
    fi
    if ! command -v openssl >/dev/null 2>&1; then
        skip "openssl not installed: no certificate for nginx -t"
        return
    fi
    local dir="$WORK/nginx" https_port http_port output
    mkdir -p "$dir/logs" "$dir/tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=survey.example.dk" \
        -keyout "$dir/privkey.pem" -out "$dir/fullchain.pem" >/dev/null 2>&1 || fail "openssl could not make a test certificate"
    https_port=$(free_port)
    http_port=$(free_port)
    # The site file as shipped, pointed at this run's certificate, logs, ports and gunicorn.
    sed -e "s#/etc/letsencrypt/live/survey.example.dk/#$dir/#g" \
        -e "s#/var/log/nginx/#$dir/logs/#g" \
        -e "s#listen 443 #listen 127.0.0.1:$https_port #; s#listen \[::\]:443 .*##" \
        -e "s#listen 80;#listen 127.0.0.1:$http_port;#; s#listen \[::\]:80;##" \
        -e "s#server 127.0.0.1:8000;#server 127.0.0.1:$1;#" \
        "$DEPLOY/nginx.conf" >"$dir/site.conf"
    # What Debian's /etc/nginx/nginx.conf provides around a site file.
    cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 64; }
http {
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    access_log $dir/logs/access.log;
    include $dir/site.conf;
}
EOF
    output=$(nginx -t -p "$dir" -c "$dir/nginx.conf" 2>&1) || fail "nginx -t: $output"
    ok "nginx -t: deploy/nginx.conf is valid"

    nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/logs/stdout.log" 2>&1 &
    NGINX_PID=$!
    wait_for "https://127.0.0.1:$https_port/robots.txt" 10 "$dir/logs/error.log"
    local response
    response=$(http_get "http://127.0.0.1:$http_port/login?next=/x" survey.example.dk)
    [ "$(head -n 1 <<<"$response")" = 301 ] || fail "http:// answered $(head -n 1 <<<"$response"), not a 301 to https"
    grep -qi '^Location: https://survey.example.dk/login' <<<"$response" || fail "http:// does not redirect to https: $response"
    ok "nginx: http:// redirects to https://"
    response=$(http_get "https://127.0.0.1:$https_port/login" survey.example.dk)
    [ "$(head -n 1 <<<"$response")" = 200 ] || fail "/login through nginx answered $(head -n 1 <<<"$response")"
    grep -qi '^Strict-Transport-Security: ' <<<"$response" || fail "no HSTS header through nginx"
    ok "nginx: /login 200 through the proxy, with HSTS"
    local path
    for path in /s/NGXTOKEN1.a.b?utm=NGXQUERY /team/NGXTOKEN2 /afmeld/NGXTOKEN3 /adgangskode/NGXTOKEN4 \
        /opsaetning/NGXTOKEN5 //s/NGXTOKEN6 /team/svar?x=NGXQUERY; do
        http_get "https://127.0.0.1:$https_port$path" survey.example.dk >/dev/null
    done
    kill "$NGINX_PID" 2>/dev/null # flushes the log
    wait "$NGINX_PID" 2>/dev/null
    NGINX_PID=""
    local access="$dir/logs/survey-app.access.log"
    [ -s "$access" ] || fail "nginx wrote no access log"
    if grep -q 'NGXTOKEN\|NGXQUERY' "$access"; then
        show_log "$access"
        fail "nginx's access log holds a link token or a query string"
    fi
    for path in '/s/\*\*\*' '/team/\*\*\*' '/afmeld/\*\*\*' '/adgangskode/\*\*\*' '/opsaetning/\*\*\*' '"GET /team/svar '; do
        grep -q "$path" "$access" || { show_log "$access"; fail "nginx's access log has no line with $path"; }
    done
    ok "nginx: access log masks /s/ /team/ /afmeld/ /adgangskode/ /opsaetning/ tokens, no query strings"
}

check_backup_unit() { # BACKUP_DIR RUNNER...: the backup unit's own command, kept to 14 files
    local dir=$1 line command day
    shift
    line=$(grep '^ExecStart=' "$DEPLOY/survey-app-backup.service") || fail "survey-app-backup.service has no ExecStart"
    command=${line#ExecStart=/bin/sh -c \'}
    command=${command%\'}
    [ "$command" != "$line" ] || fail "the backup unit's ExecStart is not /bin/sh -c '...'"
    # systemd turns %% into % and $$ into $ before the shell sees the command.
    command=${command//%%/%}
    command=${command//\$\$/\$}
    command=${command//\/opt\/survey-app\/venv\/bin\//}
    command=${command//\/var\/backups\/survey-app/$dir}
    # Sixteen older nightly copies, then tonight's: the three oldest must go.
    for day in $(seq 1 16); do
        : >"$dir/survey-2000-01-$(printf %02d "$day").db"
    done
    local today output
    today=$(date +%F)
    output=$("$@" sh -c "$command" 2>&1) || fail "the backup unit's command failed: $output"
    grep -q 'Sikkerhedskopi skrevet til' <<<"$output" || fail "backup printed no confirmation: $output"
    ok "backup (the command of survey-app-backup.service): ${output##*$'\r'}"
    local file="$dir/survey-$today.db"
    [ -s "$file" ] || fail "no backup file $file"
    "$PYTHON" -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); sys.exit(db.execute("PRAGMA integrity_check").fetchone()[0] != "ok")' \
        "$file" || fail "the backup $file fails its integrity check"
    local kept
    kept=$(find "$dir" -maxdepth 1 -name 'survey-*.db' | wc -l)
    [ "$kept" -eq 14 ] || fail "$kept backups kept, not 14: $(ls "$dir" | tr '\n' ' ')"
    [ -e "$dir/survey-2000-01-03.db" ] && fail "the oldest backups were not deleted"
    ok "backup file survey-$today.db ($(wc -c <"$file") bytes, integrity ok); 14 kept, the oldest deleted"
}

# -- Host: a venv, gunicorn and the commands on this machine ---------------------

run_host() {
    say "host path: a fresh venv in $VENV"
    command -v "$PYTHON" >/dev/null 2>&1 || fail "no Python interpreter '$PYTHON' (set PYTHON=...)"
    "$PYTHON" -m venv "$VENV" || fail "could not create a venv with $PYTHON"
    local step=$(date +%s)
    # The release's source tree: this checkout's files, without what git ignores
    # (pip builds in the tree, so the checkout itself is left alone).
    local src="$HOST/opt/survey-app/src"
    mkdir -p "$src"
    tar -C "$REPO" --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./dist \
        --exclude=./instance --exclude=./test-output --exclude='*.egg-info' --exclude=__pycache__ \
        --exclude='.*_cache' --exclude=./.hypothesis --exclude='*.mo' -cf - . | tar -C "$src" -xf - ||
        fail "could not copy the source tree"
    # As docs/production.md: a non-editable install of the source tree.
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "$src" >"$LOGS/pip.log" 2>&1 ||
        { show_log "$LOGS/pip.log"; fail "pip install of the source tree failed"; }
    ok "pip install (non-editable) in $(($(date +%s) - step)) s"
    local data
    data=$(cd "$HOST" && "$VENV/bin/python" -c 'import survey_app; print(survey_app.DATA_ROOT)')
    [[ "$data" == "$VENV/share/survey-app" && -f "$data/questionnaires/csq8.toml" ]] ||
        fail "the questionnaires were not installed with the package (found $data)"
    ok "questionnaires and catalogues installed in $data"
    local where
    where=$(cd "$HOST" && "$VENV/bin/python" -c 'import survey_app; print(survey_app.__file__)')
    [[ "$where" == "$VENV"/* ]] || fail "survey_app is imported from $where, not from the venv"
    ok "survey_app installed at $where"

    cp "$DEPLOY/gunicorn.conf.py" "$ETC/gunicorn.conf.py"
    write_env_file "$STATE" "$ETC/env"
    load_env_file "$ETC/env"
    ok "env file from deploy/env.example ($(wc -l <"$ETC/env") lines, BASE_URL https://survey.check.invalid)"

    local port
    port=$(free_port)
    # As survey-app.service starts it (there, GUNICORN_BIND is not set: 127.0.0.1:8000).
    (cd "$STATE" && exec setsid env -i "PATH=$VENV/bin:/usr/bin:/bin" "HOME=$STATE" "LANG=C.UTF-8" \
        "${ENV_ARGS[@]}" "GUNICORN_BIND=127.0.0.1:$port" WEB_CONCURRENCY=2 \
        "$VENV/bin/gunicorn" --config "$ETC/gunicorn.conf.py") >"$LOGS/gunicorn.log" 2>&1 &
    GUNICORN_PID=$!
    wait_for "http://127.0.0.1:$port/robots.txt" 30 "$LOGS/gunicorn.log"
    ok "gunicorn --config deploy/gunicorn.conf.py answers on 127.0.0.1:$port"

    check_http "http://127.0.0.1:$port" "$LOGS/gunicorn.log"
    check_commands with_env
    check_backup_unit "$BACKUPS" with_env
    check_systemd_units "$VENV/bin"
    check_nginx "$port"
}

# -- Docker: the image, a container, the same checks ------------------------------

in_container() { docker exec "$CONTAINER" "$@"; }

run_docker() {
    say "docker path: building the image $IMAGE"
    local step=$(date +%s)
    docker build --quiet -t "$IMAGE" "$REPO" >"$LOGS/docker-build.log" 2>&1 ||
        { show_log "$LOGS/docker-build.log"; fail "docker build failed"; }
    ok "docker build in $(($(date +%s) - step)) s"
    local user
    user=$(docker image inspect --format '{{.Config.User}}' "$IMAGE")
    [ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "the image runs as root"
    docker image inspect --format '{{.Config.Healthcheck.Test}}' "$IMAGE" | grep -q robots.txt ||
        fail "the image has no HEALTHCHECK on /robots.txt"
    ok "image runs as $user, HEALTHCHECK on /robots.txt"

    write_env_file /var/lib/survey_app "$ETC/env"
    local port
    port=$(free_port)
    VOLUME="survey-app-check-$$"
    docker volume create "$VOLUME" >/dev/null || fail "docker volume create failed"
    CONTAINER=$(docker run -d --env-file "$ETC/env" -v "$VOLUME:/var/lib/survey_app" \
        -p "127.0.0.1:$port:8000" "$IMAGE") || fail "docker run failed"
    docker logs -f "$CONTAINER" >"$LOGS/container.log" 2>&1 &
    wait_for "http://127.0.0.1:$port/robots.txt" 60 "$LOGS/container.log"
    ok "container answers on 127.0.0.1:$port (instance folder in volume $VOLUME)"
    [ "$(in_container id -u)" != 0 ] || fail "the container's process runs as root"

    check_http "http://127.0.0.1:$port" "$LOGS/container.log"
    check_commands in_container
    # The nightly backup from the host: docker exec into the volume.
    local output
    output=$(in_container survey-app backup /var/lib/survey_app/backup-check.db 2>&1) || fail "backup in the container failed: $output"
    in_container python -c 'import sqlite3, sys; sys.exit(sqlite3.connect("/var/lib/survey_app/backup-check.db").execute("PRAGMA integrity_check").fetchone()[0] != "ok")' ||
        fail "the container's backup fails its integrity check"
    ok "backup in the container (integrity ok): ${output##*$'\r'}"
    # The host's units and proxy, as for the host path (executables stubbed).
    mkdir -p "$WORK/stub-bin"
    printf '#!/bin/sh\nexit 0\n' >"$WORK/stub-bin/gunicorn"
    cp "$WORK/stub-bin/gunicorn" "$WORK/stub-bin/survey-app"
    chmod +x "$WORK/stub-bin/"*
    check_systemd_units "$WORK/stub-bin"
    check_nginx "$port"
}

case "$MODE" in
auto)
    if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        MODE=docker
    else
        say "docker info does not work here: checking on the host instead"
        MODE=host
    fi
    ;;
host | docker) ;;
*) fail "CHECK_MODE must be auto, host or docker, not $MODE" ;;
esac

if [ "$MODE" = docker ]; then
    run_docker
else
    run_host
fi
say "all checks passed ($MODE path) in $(elapsed)"
