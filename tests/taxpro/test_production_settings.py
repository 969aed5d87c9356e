"""The production settings, exactly as a deployment gets them: no overrides, nothing silenced."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

# Variables the test run sets for itself; production has none of them.
_TEST_ONLY = {
    "HTTPS",
    "SECURE_SSL_REDIRECT",
    "STATIC_MANIFEST",
    "DEBUG",
    "MFA_TOTP_INSECURE_BYPASS_CODE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SERVICE_HOURS",
}


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY}
    env["SECRET_KEY"] = secrets.token_urlsafe(64)
    env["ALLOWED_HOSTS"] = "portal.example.gov"
    env["TIN_ENCRYPTION_KEY"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    env["TIN_HASH_KEY"] = secrets.token_urlsafe(32)
    env["MFA_ENCRYPTION_KEY"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_zero_warnings_and_nothing_silenced() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_r46_deploy_check_warns_when_tin_keys_are_not_set() -> None:
    env = production_env()
    del env["TIN_ENCRYPTION_KEY"], env["TIN_HASH_KEY"]
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "taxpro.W001" in result.stdout + result.stderr


def test_deploy_check_warns_when_the_second_factor_key_is_not_set() -> None:
    env = production_env()
    del env["MFA_ENCRYPTION_KEY"]
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "taxpro.W003" in result.stdout + result.stderr


def test_debug_is_off_unless_turned_on() -> None:
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        env=production_env(),
    )
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_the_demo_bypass_code_refuses_to_start_without_debug() -> None:
    result = manage("check", env=production_env(MFA_TOTP_INSECURE_BYPASS_CODE="123456"))
    assert result.returncode != 0
    assert "refused unless DEBUG is on" in result.stderr


def test_a_short_secret_key_refuses_to_start() -> None:
    result = manage("check", env=production_env(SECRET_KEY="short"))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_cookies_are_host_prefixed_secure_and_http_only() -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, "
        "s.DATABASES['default']['CONN_HEALTH_CHECKS'], s.MFA_TOTP_TOLERANCE)"
    )
    result = manage("shell", "-c", code, env=production_env())
    assert result.stdout.strip().splitlines()[-1].split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "True",
        "True",
        "True",
        "0",
    ]
