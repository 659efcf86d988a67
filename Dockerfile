# survey_app in a container: gunicorn on port 8000, the instance folder (database,
# generated config) in the volume /var/lib/survey_app. docs/production.md, "Docker".
#
#   docker build -t survey-app .
#   docker run -d --name survey-app --env-file /etc/survey-app/env \
#       -v survey-app-data:/var/lib/survey_app -p 127.0.0.1:8000:8000 survey-app

# -- Build the wheel (the source tree does not go into the image) --------------------
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# -- The image -----------------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/survey-app/venv/bin:$PATH

RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/survey_app \
        --shell /usr/sbin/nologin survey-app \
    && install -d -o survey-app -g survey-app -m 0750 /var/lib/survey_app

# A non-editable install, with gunicorn (a dependency of the package) and the redis
# extra, so that several containers can share their rate-limit counters through Redis.
COPY --from=build /wheels /tmp/wheels
RUN python -m venv /opt/survey-app/venv \
    && /opt/survey-app/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
        "$(ls /tmp/wheels/*.whl)[redis]" \
    && rm -rf /tmp/wheels

# The questionnaires and catalogues come with the wheel (<venv>/share/survey-app); the
# app compiles the catalogues into its instance folder, as it cannot write here.

COPY deploy/gunicorn.conf.py /etc/survey-app/gunicorn.conf.py

ENV SURVEY_APP_INSTANCE_PATH=/var/lib/survey_app \
    SURVEY_APP_DATABASE=/var/lib/survey_app/survey.db \
    GUNICORN_BIND=0.0.0.0:8000

USER survey-app
WORKDIR /var/lib/survey_app
VOLUME ["/var/lib/survey_app"]
EXPOSE 8000

# robots.txt: answered by the app (a worker is up), cheap, and never rate-limited.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/robots.txt', timeout=4).status != 200)"]

CMD ["gunicorn", "--config", "/etc/survey-app/gunicorn.conf.py"]
