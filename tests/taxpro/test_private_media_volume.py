"""R34 in the Docker stack: uploaded forms are kept in a named volume mounted where the portal
stores them (web, which takes uploads and shows files to clerks through its own checks, and the
worker), and nowhere a file could be served from: not in the proxy, not under static files.

The compose file is read as text, service by service (no YAML library is a dependency);
`docker-compose config -q` in CI checks that it is valid as a whole."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
COMPOSE = (BASE_DIR / "docker-compose.yml").read_text()
NGINX_CONF = (BASE_DIR / "taxpro" / "deploy" / "nginx.conf").read_text()
VOLUME = "private-media"


def _top_level(name: str) -> str:
    """The block of a top-level key (``services:``, ``volumes:``, ``x-portal: &portal``)."""
    # The lines after it that are blank or indented (or comments), up to the next key.
    match = re.search(rf"^{re.escape(name)}[^\n]*\n((?:(?:[ #].*)?\n)*)", COMPOSE, re.M)
    assert match, f"no {name} in docker-compose.yml"
    return match.group(1)


def _services() -> dict[str, str]:
    blocks = re.split(r"^  (?=[A-Za-z][\w-]*:\s*$)", _top_level("services:"), flags=re.M)
    return {block.split(":", 1)[0]: block for block in blocks[1:]}


def _mount_path() -> str:
    match = re.search(rf"^\s+- {VOLUME}:(/\S+)$", COMPOSE, re.M)
    assert match, f"the {VOLUME} volume is mounted nowhere"
    return match.group(1)


def test_r34_the_private_media_volume_is_mounted_in_web_and_worker_only() -> None:
    services = _services()
    assert {"web", "worker", "proxy", "beat", "migrate"} <= set(services)
    mount = f"- {VOLUME}:{_mount_path()}"
    assert mount in services["web"] and mount in services["worker"]
    for name in set(services) - {"web", "worker"}:
        assert VOLUME not in services[name], f"{name} must not see the uploaded forms"
    assert re.search(rf"^  {VOLUME}:", _top_level("volumes:"), re.M), "a named volume"


def test_r34_the_portal_stores_forms_where_the_volume_is_mounted() -> None:
    portal = _top_level("x-portal: &portal")
    setting = re.search(r"^\s+PRIVATE_MEDIA_ROOT:\s*(\S+)$", portal, re.M)
    assert setting, "PRIVATE_MEDIA_ROOT is not set for the portal's services"
    assert setting.group(1) == _mount_path()
    # Not a folder the proxy or collectstatic serve from.
    assert not setting.group(1).startswith("/app/.run/staticfiles")
    assert "/srv/static" not in setting.group(1)
    assert "private-media" not in NGINX_CONF


def test_r34_the_image_makes_the_folder_the_portal_users_and_private() -> None:
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert f"mkdir -p {_mount_path()}" in dockerfile
    assert f"chmod 700 {_mount_path()}" in dockerfile


def test_r34_private_media_is_outside_what_whitenoise_serves() -> None:
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    served = [Path(settings.STATIC_ROOT), *(Path(d) for d in settings.STATICFILES_DIRS)]
    for folder in served:
        assert not private.is_relative_to(folder.resolve())
