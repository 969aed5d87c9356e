"""A real webhook receiver on loopback for the tests (issue 14): a small threaded http.server
that answers each POST as scripted, keeps what it was sent, and verifies signatures with the
standardwebhooks library's own verifier."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
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
        scheme = "https" if isinstance(self.server.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://127.0.0.1:{self.server.server_address[1]}/hooks"

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


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that nobody trusts, and its key, written to ``folder``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(settings, tmp_path: Path) -> Iterator[Receiver]:
    """A receiver speaking https on loopback with a self-signed certificate."""
    settings.WEBHOOK_LOCAL_ADDRESSES_ALLOWED = True
    running = Receiver()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed_certificate(tmp_path))
    running.server.socket = context.wrap_socket(running.server.socket, server_side=True)
    running.start()
    try:
        yield running
    finally:
        running.stop()
