"""gunicorn's settings: the image's web server (the Dockerfile points gunicorn here through
GUNICORN_CMD_ARGS, whatever the command), and the stack tests/taxpro/test_reverse_proxy.py runs
on loopback behind taxpro/deploy/nginx.conf."""

from __future__ import annotations

import os

from taxpro.logging import logging_config

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers, one request each: the proxy in front reads whole requests and whole responses,
# so a slow client never holds one (taxpro/deploy/nginx.conf).
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = 30
# Only the proxy reaches gunicorn (compose publishes the proxy's port, not this one), so the
# scheme and client address it forwards are trusted whichever address it connects from.
forwarded_allow_ips = "*"
# Nothing drives gunicorn through its control socket, and its default is one path per user's
# home directory, which every gunicorn on a machine (tests, benchmarks) would fight over.
control_socket_disable = True

# R46: the access and error logs go through the portal's one logging configuration (TINs
# masked, tracebacks too). The access line names the client the proxy saw, not the proxy.
logconfig_dict = logging_config(os.environ.get("LOG_LEVEL", "INFO"))
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
