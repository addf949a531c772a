"""Fixtures shared by the interop tests.

- `conduit_binary`: the executable under test: `$CONDUIT_BINARY`, else
  `<repo>/.build/debug/conduit`; the tests skip (with the reason) when it is
  missing. Build it with `swift build`.
- `fake_chorus`: a running loopback fake of the Chorus API (fake_chorus.py).
- `account_file`: an account file for the fake: integration `chorus`,
  `base_url` the fake, `credentials.api_token` = `${CHORUS_TOKEN}`.
- `server_env`: the environment to run conduit with (CHORUS_TOKEN set).

`$CONDUIT_CHORUS_DEFINITION` may name a definition file to use instead of the
bundled `chorus` (for working on the suite before the bundled one exists).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_chorus import FakeChorus

REPO_ROOT = Path(__file__).resolve().parents[2]
CHORUS_TOKEN = "chorus-interop-token-5f0c2a"
SERVER_NAME = "Interop Chorus Agent"


def pytest_report_header(config: pytest.Config) -> list[str]:
    binary = _binary_path()
    return [f"conduit binary: {binary} ({'present' if binary.is_file() else 'MISSING'})"]


def _binary_path() -> Path:
    configured = os.environ.get("CONDUIT_BINARY")
    return Path(configured).resolve() if configured else REPO_ROOT / ".build" / "debug" / "conduit"


@pytest.fixture(scope="session")
def conduit_binary() -> Path:
    binary = _binary_path()
    if not binary.is_file() or not os.access(binary, os.X_OK):
        pytest.skip(
            f"conduit executable not found at {binary}: build it with `swift build` in {REPO_ROOT} "
            "or point CONDUIT_BINARY at one"
        )
    return binary


@pytest.fixture(scope="session")
def conduit_version(conduit_binary: Path) -> str:
    out = subprocess.run([str(conduit_binary), "--version"], capture_output=True, text=True, timeout=15)
    assert out.returncode == 0, f"`conduit --version` failed: {out.stderr}"
    # "conduit 0.1.0" -> "0.1.0"
    return out.stdout.strip().split()[-1]


@pytest.fixture(scope="session")
def chorus_integration(conduit_binary: Path) -> str:
    """The `integration` value for account files: the bundled `chorus`, or an override file."""
    override = os.environ.get("CONDUIT_CHORUS_DEFINITION")
    if override:
        return str(Path(override).resolve())
    out = subprocess.run([str(conduit_binary), "integrations", "chorus"], capture_output=True, text=True, timeout=15)
    if out.returncode != 0:
        pytest.fail(
            "the conduit binary has no bundled `chorus` integration, which PRODUCT.md requires "
            f"(`conduit integrations chorus` exited {out.returncode}: {out.stderr.strip()})",
            pytrace=False,
        )
    return "chorus"


def base_env(**extra: str) -> dict[str, str]:
    """A small, explicit environment: no proxies, no CONDUIT_* leaking in from the caller."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(extra)
    return env


@pytest.fixture
def server_env() -> dict[str, str]:
    return base_env(CHORUS_TOKEN=CHORUS_TOKEN)


@pytest.fixture
def fake_chorus() -> Iterator[FakeChorus]:
    with FakeChorus(token=CHORUS_TOKEN) as fake:
        yield fake


def write_account(path: Path, integration: str, base_url: str, **server: object) -> Path:
    account: dict[str, object] = {
        "integration": integration,
        "base_url": base_url,
        "credentials": {"api_token": "${CHORUS_TOKEN}"},
    }
    if server:
        account["server"] = server
    path.write_text(json.dumps(account, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def account_file(tmp_path: Path, chorus_integration: str, fake_chorus: FakeChorus) -> Path:
    return write_account(tmp_path / "account.json", chorus_integration, fake_chorus.url, name=SERVER_NAME)
