"""The release build is one self-contained binary.

`swift build -c release --static-swift-stdlib` (the README's install path) must give an
executable that needs nothing from a Swift toolchain: its dynamic section names only
the C runtime's libraries, and it runs, serves and calls in a root that holds the
binary, those libraries and libcurl (opened at run time) and no Swift at all.

The binary is `$CONDUIT_RELEASE_BINARY`, else `<repo>/.build/release/conduit`. Without
it the tests skip, unless `CONDUIT_REQUIRE_RELEASE=1` (as `.ci/run` sets) makes that
a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# What a Linux machine without Swift has anyway: the C runtime and C++ support libraries.
SYSTEM_LIBRARIES = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libdl.so.2", "libpthread.so.0",
                    "librt.so.1", "libutil.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}


@pytest.fixture(scope="module")
def release_binary() -> Path:
    configured = os.environ.get("CONDUIT_RELEASE_BINARY")
    path = Path(configured) if configured else REPO_ROOT / ".build" / "release" / "conduit"
    if not path.is_file():
        message = f"{path} is missing; build it with: swift build -c release --static-swift-stdlib"
        if os.environ.get("CONDUIT_REQUIRE_RELEASE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def dynamic_section(path: Path) -> tuple[list[str], list[str]]:
    """The NEEDED libraries and the RUNPATH/RPATH entries of a 64-bit little-endian ELF file."""
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "not a 64-bit little-endian ELF file"
    (section_offset,) = struct.unpack_from("<Q", data, 0x28)
    section_size, section_count = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, section_offset + index * section_size) for index in range(section_count)]
    dynamic = [s for s in sections if s[1] == 6]  # SHT_DYNAMIC
    if not dynamic:
        return [], []
    _, _, _, _, offset, size, link, _, _, entry_size = dynamic[0]
    strings_offset = sections[link][4]

    def string_at(position: int) -> str:
        end = data.index(b"\0", strings_offset + position)
        return data[strings_offset + position:end].decode()

    needed, paths = [], []
    for position in range(offset, offset + size, entry_size):
        tag, value = struct.unpack_from("<qQ", data, position)
        if tag == 0:
            break
        if tag == 1:  # DT_NEEDED
            needed.append(string_at(value))
        elif tag in (15, 29):  # DT_RPATH, DT_RUNPATH
            paths.extend(string_at(value).split(":"))
    return needed, paths


def test_the_release_binary_needs_no_swift_library(release_binary: Path) -> None:
    needed, paths = dynamic_section(release_binary)
    assert needed, "the release binary has no dynamic section: not the expected build"
    swift = [name for name in needed if name not in SYSTEM_LIBRARIES]
    assert not swift, f"the release binary needs libraries a machine without Swift lacks: {swift}"
    toolchain = [entry for entry in paths if entry not in ("$ORIGIN", "$ORIGIN/")]
    assert not toolchain, f"the release binary looks for libraries in {toolchain}"
    size = release_binary.stat().st_size
    print(f"\nrelease binary: {size / 1e6:.1f} MB, needs {', '.join(needed)}")


def test_the_release_binary_serves_and_calls_in_a_root_without_swift(release_binary: Path) -> None:
    if os.geteuid() != 0 or not shutil.which("ldd"):
        pytest.skip("needs root (chroot, mount) and ldd")
    libcurl = next((Path(p) for p in ("/usr/lib/x86_64-linux-gnu/libcurl.so.4", "/usr/lib/aarch64-linux-gnu/libcurl.so.4",
                                      "/usr/lib64/libcurl.so.4", "/usr/lib/libcurl.so.4") if Path(p).exists()), None)
    if libcurl is None:
        pytest.skip("libcurl.so.4 not found on this machine")
    with tempfile.TemporaryDirectory(prefix="conduit-noswift-") as folder:
        root = Path(folder)
        shutil.copy2(release_binary, root / "conduit")
        libraries: set[str] = {str(libcurl)}
        for target in (release_binary, libcurl):
            listing = subprocess.run(["ldd", str(target)], capture_output=True, text=True, check=True).stdout
            libraries.update(word for line in listing.splitlines() for word in line.split() if word.startswith("/"))
        for library in libraries:
            destination = root / library.lstrip("/")
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(os.path.realpath(library), destination)
        copied = [p for p in root.rglob("*") if p.is_file()]
        assert not [p for p in copied if "swift" in str(p.relative_to(root)).lower()], "a Swift library was copied"
        (root / "tmp").mkdir(mode=0o1777)
        (root / "proc").mkdir()
        # The Swift runtime of a static binary reads its arguments from /proc/self/cmdline.
        if subprocess.run(["mount", "-t", "proc", "proc", str(root / "proc")], capture_output=True).returncode != 0:
            pytest.skip("cannot mount /proc in the test root")
        try:
            version = subprocess.run(["chroot", str(root), "/conduit", "--version"], capture_output=True, text=True, timeout=30)
            assert version.returncode == 0 and version.stdout.startswith("conduit "), version.stdout + version.stderr

            initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "noswift", "version": "1"}}}
            listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
            served = subprocess.run(["chroot", str(root), "/conduit", "serve", "--sandbox", "gong"],
                                    input="".join(json.dumps(m) + "\n" for m in (initialize, listing)),
                                    capture_output=True, text=True, timeout=60)
            answers = [json.loads(line) for line in served.stdout.splitlines()]
            assert [a.get("id") for a in answers] == [1, 2], served.stdout[-1000:] + served.stderr[-1000:]
            assert any(t["name"] == "list_all_gong_calls" for t in answers[1]["result"]["tools"])

            called = subprocess.run(["chroot", str(root), "/conduit", "call", "list_all_chorus_conversations", "--sandbox", "chorus",
                                     "--args", '{"limit": 2}'], capture_output=True, text=True, timeout=60)
            assert called.returncode == 0, called.stdout[-1000:] + called.stderr[-1000:]
            assert len(json.loads(called.stdout)["result"]) == 2
        finally:
            subprocess.run(["umount", str(root / "proc")], capture_output=True)
