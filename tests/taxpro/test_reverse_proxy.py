"""The Docker stack's front on loopback: nginx with taxpro/deploy/nginx.conf (the file compose
mounts) in front of gunicorn started as the image starts it (the Dockerfile's CMD and
GUNICORN_CMD_ARGS, so taxpro/deploy/gunicorn.conf.py: three sync workers).

Slow clients that trickle their headers or their body are held by the proxy, never reach
gunicorn, and are dropped at the proxy's deadlines; normal requests are served all the while.
The same slow clients sent straight to gunicorn block a normal request until they let go.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from tests.authorizations import fault_support
from tests.taxpro.loopback import BASE_DIR, free_port, running, wait_for_line
from tests.taxpro.test_production_settings import production_env

pytestmark = pytest.mark.slow

NGINX_CONF = BASE_DIR / "taxpro" / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
MISSING_NGINX = (
    "nginx is not installed (apt-get install -y nginx-light): the reverse-proxy tests run "
    "taxpro/deploy/nginx.conf on loopback"
)
SLOW_CLIENTS = 50
NORMAL_REQUESTS = 10
# How long a normal request sent straight to gunicorn is watched for an answer while the slow
# clients hold its workers: the busier the machine, the surer it is not answered.
BLOCKED_FOR_SECONDS = 3
# The test plays the TLS-terminating proxy a deployment puts in front (HTTPS stays on).
HEADERS = {"Host": "localhost", "X-Forwarded-Proto": "https"}


@dataclass
class Stack:
    proxy_port: int
    gunicorn_port: int
    gunicorn_log: Path
    proxy_log: Path
    static_root: Path


def dockerfile_value(pattern: str) -> str:
    match = re.search(pattern, (BASE_DIR / "Dockerfile").read_text(), re.M)
    assert match, f"the Dockerfile has no line matching {pattern!r}"
    return match.group(1)


def image_web_command(port: int) -> tuple[list[str], str]:
    """gunicorn's command line and GUNICORN_CMD_ARGS as the image runs them, bound to ``port``."""
    command = json.loads(dockerfile_value(r"^CMD (\[.*\])$"))
    cmd_args = dockerfile_value(r'^ENV GUNICORN_CMD_ARGS="(.*)"$')
    assert command[0] == "gunicorn", command
    return [sys.executable, "-m", "gunicorn", *command[1:], "--bind", f"127.0.0.1:{port}"], cmd_args


def nginx_conf_for(*, proxy_port: int, gunicorn_port: int, static_root: Path) -> str:
    """The compose file's nginx.conf with only the addresses and the static root changed."""
    text = NGINX_CONF.read_text()
    for compose_value, loopback_value in [
        ("server web:8000;", f"server 127.0.0.1:{gunicorn_port};"),
        ("listen 8000;", f"listen 127.0.0.1:{proxy_port};"),
        ("alias /srv/static/;", f"alias {static_root}/;"),
    ]:
        assert text.count(compose_value) == 1, f"nginx.conf no longer has {compose_value!r}"
        text = text.replace(compose_value, loopback_value)
    return text


@contextlib.contextmanager
def proxy_running(work: Path, *, proxy_port: int, upstream_port: int) -> Iterator[Path]:
    """nginx from ``work`` (its static root in ``work/static``), in front of ``upstream_port``;
    yields the file its output goes to."""
    conf = work / f"nginx-{proxy_port}.conf"
    conf.write_text(
        nginx_conf_for(
            proxy_port=proxy_port, gunicorn_port=upstream_port, static_root=work / "static"
        )
    )
    pid = f"pid {work}/nginx-{proxy_port}.pid;"
    command = [NGINX or "nginx", "-p", str(work), "-c", str(conf), "-g", f"daemon off; {pid}"]
    log = work / f"nginx-{proxy_port}.log"
    with running(command, port=proxy_port, env=dict(os.environ), log=log):
        yield log


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker) -> Iterator[Stack]:
    if not NGINX:
        if os.environ.get("CI"):
            pytest.fail(MISSING_NGINX)
        pytest.skip(MISSING_NGINX)
    with django_db_blocker.unblock():
        database_url = fault_support.test_database_url()
    # nginx's workers run as nobody: everything they read must be world-readable.
    work = Path(tempfile.mkdtemp(prefix="taxpro-proxy-"))
    try:
        work.chmod(0o755)
        static_root = work / "static"
        shutil.copytree(BASE_DIR / "static" / "css", static_root / "css")
        shutil.copytree(BASE_DIR / "static" / "js", static_root / "js")
        gunicorn_port, proxy_port = free_port(), free_port()
        command, cmd_args = image_web_command(gunicorn_port)
        env = production_env(
            DATABASE_URL=database_url,
            ALLOWED_HOSTS="localhost",
            GUNICORN_CMD_ARGS=cmd_args,
            # No collected, hashed files here: pages name the source files, which nginx serves.
            STATIC_MANIFEST="0",
            LOG_LEVEL="INFO",
        )
        stack = Stack(
            proxy_port,
            gunicorn_port,
            work / "gunicorn.log",
            work / f"nginx-{proxy_port}.log",
            static_root,
        )
        with (
            running(command, port=gunicorn_port, env=env, log=stack.gunicorn_log),
            proxy_running(work, proxy_port=proxy_port, upstream_port=gunicorn_port),
        ):
            yield stack
    finally:
        shutil.rmtree(work, ignore_errors=True)


def get(port: int, path: str, timeout: float = 60) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def open_slow_headers(port: int, count: int, path: str) -> list[socket.socket]:
    """Clients that send a request line and one header, and then nothing until told to."""
    return [
        start_request(port, f"GET {path}{number} HTTP/1.1\r\nHost: localhost\r\n")
        for number in range(count)
    ]


def open_slow_bodies(port: int, count: int, path: str) -> list[socket.socket]:
    """Clients that send whole headers announcing a sign-in form, then only its first bytes."""
    return [
        start_request(
            port,
            f"POST {path}{number} HTTP/1.1\r\nHost: localhost\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
            "login=",
        )
        for number in range(count)
    ]


def start_request(port: int, first_bytes: str) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    client.sendall(first_bytes.encode())
    return client


def trickle(clients: list[socket.socket], header: str) -> None:
    for client in clients:
        client.sendall(f"{header}\r\n".encode())


def still_held(client: socket.socket) -> bool:
    """Open, and not answered: nothing to read yet, and no end of stream."""
    client.setblocking(False)
    try:
        client.recv(1)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        client.setblocking(True)
    return False


def dropped_by_the_proxy(client: socket.socket, timeout: float) -> bool:
    """Within ``timeout`` the proxy closes the connection, with at most its own 408."""
    client.settimeout(timeout)
    try:
        answer = client.recv(4096)
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return answer == b"" or answer.startswith(b"HTTP/1.1 408")


def close_all(clients: list[socket.socket]) -> None:
    for client in clients:
        client.close()


def test_slow_clients_are_held_by_the_proxy_while_normal_requests_are_served(
    stack: Stack,
) -> None:
    # Each worker's first request is its slowest (URLs, templates): have them all done first.
    with ThreadPoolExecutor(max_workers=6) as pool:
        assert set(pool.map(lambda _: get(stack.proxy_port, "/")[0], range(6))) == {200}
    slow = open_slow_headers(stack.proxy_port, SLOW_CLIENTS // 2, "/slow-headers-")
    slow += open_slow_bodies(stack.proxy_port, SLOW_CLIENTS // 2, "/auth/login/?slow-body-")
    try:
        served = [get(stack.proxy_port, "/") for _ in range(NORMAL_REQUESTS // 2)]
        trickle(slow, "X-Trickle: 1")
        served += [get(stack.proxy_port, "/") for _ in range(NORMAL_REQUESTS // 2)]
        # Every normal request answered, while every slow client was still connected and
        # waiting: the slow ones were held by the proxy, not by gunicorn's three workers.
        assert [status for status, _ in served] == [200] * NORMAL_REQUESTS
        assert all(b"Tax Pro Portal" in body for _, body in served)
        assert sum(still_held(client) for client in slow) == SLOW_CLIENTS
        # Bounded in time: the proxy drops each one at its deadline (15 s for the headers, 15 s
        # without a byte of body), and none of them ever reached gunicorn.
        assert sum(dropped_by_the_proxy(client, timeout=60) for client in slow) == SLOW_CLIENTS
    finally:
        close_all(slow)
    assert "/slow-headers-" not in stack.gunicorn_log.read_text()
    assert "slow-body-" not in stack.gunicorn_log.read_text()


def test_the_same_slow_clients_sent_straight_to_gunicorn_block_a_normal_request(
    stack: Stack,
) -> None:
    # More slow clients than gunicorn has workers (3), all queued before the normal request.
    slow = open_slow_headers(stack.gunicorn_port, 6, "/slow-direct-")
    try:
        blocked = http.client.HTTPConnection("127.0.0.1", stack.gunicorn_port)
        blocked.connect()
        blocked.sock.settimeout(BLOCKED_FOR_SECONDS)
        blocked.request("GET", "/", headers=HEADERS)
        with pytest.raises(TimeoutError):
            blocked.getresponse()
    finally:
        close_all(slow)
    # Once the slow clients let go, the workers come back: gunicorn was blocked, not broken.
    assert get(stack.gunicorn_port, "/")[0] == 200
    blocked.close()


def test_static_files_are_served_by_the_proxy_not_by_gunicorn(stack: Stack) -> None:
    status, body = get(stack.proxy_port, "/static/css/site.css?static-check")
    assert status == 200
    assert body == (stack.static_root / "css" / "site.css").read_bytes()
    assert get(stack.proxy_port, "/static/css/missing.css")[0] == 404
    # gunicorn logs every request it serves; wait for a later one, then look for the static one.
    get(stack.proxy_port, "/?after-static-check")
    wait_for_line(stack.gunicorn_log, "after-static-check")
    assert "static-check" not in stack.gunicorn_log.read_text().replace("after-static-check", "")


def test_a_body_over_djangos_limit_is_refused_by_the_proxy_in_words(stack: Stack) -> None:
    too_large = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    with socket.create_connection(("127.0.0.1", stack.proxy_port), timeout=30) as client:
        client.sendall(
            "POST /auth/login/?too-large HTTP/1.1\r\nHost: localhost\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {too_large}\r\nConnection: close\r\n\r\n".encode()
        )
        # Read the answer by its length: the proxy then waits a while for the body it refused.
        response = http.client.HTTPResponse(client)
        response.begin()
        body = response.read()
    assert response.status == 413
    assert b"What you sent is too large" in body
    get(stack.proxy_port, "/?after-too-large")
    wait_for_line(stack.gunicorn_log, "after-too-large")
    assert "?too-large" not in stack.gunicorn_log.read_text()


def test_r46_gunicorns_access_log_masks_tins_and_names_the_client(stack: Stack) -> None:
    assert get(stack.proxy_port, "/?tin=123-45-6789&ein=12-3456789")[0] == 200
    line = wait_for_line(stack.gunicorn_log, "GET /?tin=")
    assert "123-45-6789" not in line and "12-3456789" not in line
    assert "tin=*****6789" in line and "ein=*****6789" in line
    # The client the proxy saw, not the proxy.
    assert line.split("gunicorn.access: ")[1].startswith("127.0.0.1 ")
    assert "123-45-6789" not in stack.proxy_log.read_text()


def test_the_proxy_answers_in_words_when_gunicorn_is_not_there(stack: Stack) -> None:
    nobody_there, proxy_port = free_port(), free_port()
    work = stack.static_root.parent
    with proxy_running(work, proxy_port=proxy_port, upstream_port=nobody_there) as log:
        status, body = get(proxy_port, "/?tin=123-45-6789")
    assert status == 502
    assert b"The portal is not answering right now" in body
    # R46: nginx cannot mask, so it writes no line that would quote the request.
    assert "123-45-6789" not in log.read_text()


def test_the_proxy_limits_agree_with_djangos() -> None:
    conf = NGINX_CONF.read_text()
    size = re.search(r"^\s*client_max_body_size (\d+)k;", conf, re.M)
    assert size, "nginx.conf sets no client_max_body_size"
    assert int(size.group(1)) * 1024 == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    assert "./taxpro/deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in compose
