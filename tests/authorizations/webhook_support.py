"""A real webhook receiver on loopback for the tests (issue 14): a small threaded http.server
that answers each POST as scripted, keeps what it was sent, and verifies signatures with the
standardwebhooks library's own verifier."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def verified_with(self, secret: str) -> Any:
        """The payload if ``secret`` verifies the signature (else WebhookVerificationError)."""
        return Webhook(secret).verify(self.body, self.headers)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


class Receiver:
    """Answers POSTs with ``script`` in order (then ``default``); records every request."""

    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.default = Answer()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    answer = receiver.script.pop(0) if receiver.script else receiver.default
                if answer.delay:
                    time.sleep(answer.delay)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def unique_events(self, secret: str) -> dict[str, Any]:
        """What a receiver does: verify each delivery, keep one per webhook-id."""
        seen: dict[str, Any] = {}
        for got in list(self.received):
            seen.setdefault(got.webhook_id, got.verified_with(secret))
        return seen


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """A receiver on loopback; local addresses allowed for endpoints (as in development)."""
    settings.WEBHOOK_LOCAL_ADDRESSES_ALLOWED = True
    running = Receiver().start()
    try:
        yield running
    finally:
        running.stop()


def payloads(received: list[Received]) -> list[dict[str, Any]]:
    return [json.loads(got.body) for got in received]
