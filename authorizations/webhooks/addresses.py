"""Which addresses a webhook may be sent to.

Registration checks what the address says: https (plain http only to loopback, and only where
local addresses are allowed: development and tests), a host, no user name or password, no IP
literal that is private, loopback, link-local or otherwise not public. Sending checks again
what the host name resolves to, so a name that points inside the network is refused at the
moment it would be reached (the address is then connected to as resolved, never looked up
twice).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

MAX_URL_LENGTH = 500

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(ValueError):
    """An endpoint address the portal will not send to; the message is for the practitioner."""


def local_addresses_allowed() -> bool:
    return bool(settings.WEBHOOK_LOCAL_ADDRESSES_ALLOWED)


def _is_public(address: IpAddress) -> bool:
    return address.is_global and not address.is_multicast


def _address_allowed(address: IpAddress) -> bool:
    if _is_public(address):
        return True
    return local_addresses_allowed() and (address.is_loopback or address.is_private)


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_loopback_host(host: str) -> bool:
    literal = _literal(host)
    return host == "localhost" or (literal is not None and literal.is_loopback)


@dataclass(frozen=True)
class EndpointAddress:
    url: str
    scheme: str
    host: str
    port: int
    target: str  # path and query, what the request line names


def endpoint_address_parse(url: str) -> EndpointAddress:
    """``url`` as an address the portal will send to, or :class:`AddressRefused`."""
    url = url.strip()
    if not url:
        raise AddressRefused("Enter the address of your endpoint.")
    if len(url) > MAX_URL_LENGTH:
        raise AddressRefused(f"The address must be {MAX_URL_LENGTH} characters or fewer.")
    if not url.isascii() or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise AddressRefused(
            "The address has spaces or characters that cannot be sent. Use its plain form, "
            "such as https://hooks.example.com/taxpro."
        )
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused(
            "Enter a full address, such as https://hooks.example.com/taxpro."
        ) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in {"https", "http"} or not host:
        raise AddressRefused(
            "Enter a full address starting with https://, such as https://hooks.example.com/taxpro."
        )
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(
            "Remove the user name and password from the address. Deliveries are signed "
            "instead: check the signature with your secret."
        )
    if parts.fragment:
        raise AddressRefused("Remove the part after # from the address.")
    if scheme == "http" and not (local_addresses_allowed() and _is_loopback_host(host)):
        raise AddressRefused("The address must start with https://.")
    literal = _literal(host)
    if host == "localhost" or host.endswith(".localhost"):
        literal = ipaddress.ip_address("127.0.0.1")
    if literal is not None and not _address_allowed(literal):
        raise AddressRefused(
            "The address must be reachable on the internet: private, local and reserved "
            "network addresses are refused."
        )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return EndpointAddress(
        url=url,
        scheme=scheme,
        host=host,
        port=port or (443 if scheme == "https" else 80),
        target=target,
    )


def addresses_to_connect(address: EndpointAddress) -> list[IpAddress]:
    """What the host resolves to, each address allowed (else :class:`AddressRefused`)."""
    try:
        infos = socket.getaddrinfo(address.host, address.port, type=socket.SOCK_STREAM)
    except OSError:
        raise AddressRefused("The endpoint's host name could not be found.") from None
    resolved: list[IpAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in resolved:
            resolved.append(ip)
    if not resolved or not all(_address_allowed(ip) for ip in resolved):
        raise AddressRefused("The endpoint's host name points to a private or local address.")
    return resolved
