"""The README's quick start, run exactly as written.

The commands are read from README.md, not copied here: the first ```sh block
under "## Quick start". They run from the repository root with bash, without
standard input and without credentials, as a new user would paste them. The
first builds conduit; the second must print a list of meetings from the
sandbox, with the sandbox label on stderr.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def quick_start_commands() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README.md: no ```sh block under ## Quick start"
    commands = []
    for line in block.group(1).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            commands.append(line)
    return commands


def test_the_quick_start_block_has_a_build_and_a_sandbox_call() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2, commands
    assert commands[0].startswith("swift build"), commands[0]
    assert "--sandbox" in commands[1] and "--account" not in commands[1], commands[1]


def test_the_first_two_commands_work_as_written() -> None:
    build, call = quick_start_commands()[:2]
    # No credentials from the environment: the quick start needs none.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONDUIT_")}
    started = time.monotonic()
    built = subprocess.run(["bash", "-c", build], cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=1800)
    build_seconds = time.monotonic() - started
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]

    started = time.monotonic()
    ran = subprocess.run(["bash", "-c", call], cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=60)
    call_seconds = time.monotonic() - started
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    print(f"\nREADME quick start: build {build_seconds:.1f} s, sandbox call {call_seconds:.2f} s")

    # Piped, the result is one compact JSON line: a page of meetings with a cursor.
    lines = ran.stdout.splitlines()
    assert len(lines) == 1, ran.stdout[:500]
    page = json.loads(lines[0])
    meetings = page["result"]
    assert isinstance(meetings, list) and len(meetings) >= 1, page
    for meeting in meetings:
        assert meeting.get("engagement_id") and meeting.get("subject"), meeting
        assert meeting.get("participants"), meeting
    assert page.get("next_cursor"), "the sandbox holds more than one page of meetings"
    assert "SANDBOX" in ran.stderr and "made-up" in ran.stderr, ran.stderr
