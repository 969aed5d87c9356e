"""One POST of a signed body to an endpoint: short timeouts, no redirects, a short excerpt.

- Connecting has 3 seconds; the whole exchange 10 (a timer closes the socket at the deadline,
  so a receiver that trickles its answer a byte at a time cannot hold a worker longer).
- A redirect is never followed: a 3xx answer is a failed attempt like any other non-2xx.
- Of the answer's body, at most ``EXCERPT_CHARS`` characters are kept (and at most
  ``READ_BYTES`` bytes read): the delivery log shows them; nothing more is stored.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from authorizations.webhooks.addresses import (
    AddressRefused,
    EndpointAddress,
    addresses_to_connect,
)

CONNECT_TIMEOUT = 3.0
TOTAL_TIMEOUT = 10.0
READ_BYTES = 1024
EXCERPT_CHARS = 200
USER_AGENT = "TaxProPortal-Webhooks/1"


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP connection to an address already resolved and checked (no second look-up)."""

    def __init__(self, address: EndpointAddress, sock: socket.socket) -> None:
        # The Host header names the port only when it is not the scheme's own.
        self.default_port = 443 if address.scheme == "https" else 80
        super().__init__(address.host, address.port)
        self.sock = sock

    def connect(self) -> None:  # the socket is connected already
        return


def _open_socket(address: EndpointAddress, deadline: float) -> socket.socket:
    last_error: OSError | None = None
    for ip in addresses_to_connect(address):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            sock = socket.create_connection(
                (str(ip), address.port), timeout=min(CONNECT_TIMEOUT, remaining)
            )
        except OSError as exc:
            last_error = exc
            continue
        if address.scheme == "https":
            context = ssl.create_default_context()
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            sock = context.wrap_socket(sock, server_hostname=address.host)
        return sock
    raise last_error or TimeoutError()


def _error_words(exc: BaseException) -> str:
    if isinstance(exc, AddressRefused):
        return str(exc)
    if isinstance(exc, ssl.SSLError):
        return "The secure connection failed (check the endpoint's certificate)."
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"No answer within {TOTAL_TIMEOUT:.0f} seconds."
    if isinstance(exc, ConnectionRefusedError):
        return "The connection was refused."
    return "The connection failed or was closed before an answer."


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return cleaned[:EXCERPT_CHARS]


def post_signed(address: EndpointAddress, *, body: bytes, headers: dict[str, str]) -> SendResult:
    """POST ``body`` to ``address``; never raises for anything the network or receiver does."""
    started = time.monotonic()
    deadline = started + TOTAL_TIMEOUT
    status: int | None = None
    error = excerpt = ""
    sock: socket.socket | None = None
    timer: threading.Timer | None = None
    try:
        sock = _open_socket(address, deadline)
        opened = sock
        # The hard bound on the whole exchange, whatever the receiver trickles.
        timer = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, args=(opened,))
        timer.daemon = True
        timer.start()
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        conn = _PinnedConnection(address, sock)
        conn.request(
            "POST",
            address.target,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Connection": "close",
            },
        )
        response = conn.getresponse()
        status = response.status
        excerpt = _excerpt(response.read(READ_BYTES))
        if 300 <= status < 400:
            error = "The endpoint answered with a redirect; redirects are not followed."
        elif not 200 <= status < 300:
            error = f"The endpoint answered {status}."
    except Exception as exc:  # anything the receiver or network does is a failed attempt
        if status is not None and 200 <= status < 300:
            error = ""  # answered 2xx, then a body cut short: delivered
        elif time.monotonic() >= deadline - 0.05:
            error = f"No answer within {TOTAL_TIMEOUT:.0f} seconds."
        else:
            error = _error_words(exc)
    finally:
        if timer is not None:
            timer.cancel()
        if sock is not None:
            sock.close()
    duration_ms = int((time.monotonic() - started) * 1000)
    return SendResult(status_code=status, error=error, excerpt=excerpt, duration_ms=duration_ms)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        return
