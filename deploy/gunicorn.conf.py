"""gunicorn settings for survey_app in production: ``gunicorn --config gunicorn.conf.py``.

Installed as /etc/survey-app/gunicorn.conf.py (systemd) and in the Docker
image. Two environment variables adjust it without editing:

- ``GUNICORN_BIND``: address to listen on; 127.0.0.1:8000 by default, so only
  the reverse proxy on the same machine reaches it (the image sets 0.0.0.0:8000).
- ``WEB_CONCURRENCY``: number of worker processes; by default one per core plus one.

The app itself is configured by ``SURVEY_APP_*`` variables (deploy/env.example).
"""

import os

# The package installs no wsgi.py: gunicorn calls the factory.
wsgi_app = "survey_app:create_app()"

bind = os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"

# Sync workers: each request is short (an answer costs about a millisecond of CPU)
# and nginx in front buffers slow phones, so a worker is never held by a slow client.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) + 1)

# A request may wait for the SMS gateway or the mail server when a consultant
# sends a link by hand: at most twice SEND_TIMEOUT (10 s by default).
timeout = 30
graceful_timeout = 20
keepalive = 5

# Workers' heartbeat files in memory, not on a (possibly slow or read-only) disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Logs to standard output / error: journald (systemd) or `docker logs` keep them.
accesslog = "-"
errorlog = "-"
loglevel = "info"
# Link tokens in paths are written as /s/*** (also /team/, /afmeld/, /adgangskode/,
# /opsaetning/), in the access log and in the error log with its tracebacks.
logger_class = "survey_app.logs.GunicornLogger"
# The path without its query string (%(U)s), like the proxy's log (deploy/nginx.conf);
# %(h)s is the proxy's address, the visitor's is in the proxy's log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

# Requests only come from the proxy; refuse oversized request lines and headers early.
limit_request_line = 4094
limit_request_fields = 100
