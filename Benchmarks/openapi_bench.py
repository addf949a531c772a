"""The OpenAPI rows of `Benchmarks/run`: conduit importing and serving a real public
document beside FastMCP's `from_openapi` on the same document (issue 16).

For each document that is present under ../shared (GitHub's and Box's from the corpus, and
Gong's published one, on which the issue's FastMCP figures were taken):
  - import: `conduit import openapi DOC` wall time against the time FastMCP.from_openapi
    takes inside an already started Python (its interpreter start not counted);
  - cold start: spawn -> `initialize` answer, conduit with an account naming the document
    (imported in memory at start) against FastMCP building the server from the document;
  - tools/list: bytes of the answer, per tool (mean and median) and in all; the peer both as
    FastMCP documents it (response schemas listed) and with validate_output=False (none);
  - call overhead: one GET operation called --calls times through each server against the
    same loopback stand-in, minus a direct keep-alive GET of the same URL (median).
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import benchlib
from benchlib import StdioServer, base_env, ms

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"

# Each document (under ../shared), the GET operation whose call is timed, the path that
# operation reaches, its arguments in conduit and in FastMCP (conduit calls a get's single
# path identifier `id`), and the credentials conduit's account gives (the peer gets a bearer).
DOCUMENTS = [
    ("GitHub", "openapi-corpus/github/api.github.com.json", "repos/get", "/repos/octocat/Hello-World",
     {"owner": "octocat", "repo": "Hello-World"}, {"owner": "octocat", "repo": "Hello-World"}, {}),
    ("Box", "openapi-corpus/box/openapi.json", "get_files_id", "/files/12345", {"id": "12345"}, {"file_id": "12345"},
     {"access_token": "bench"}),
    # The document the FastMCP figures were taken on (about 300 KB listed for 53 operations).
    ("Gong", "vendor-specs/gong-openapi.json", "getCall", "/v2/calls/12345", {"id": "12345"}, {"id": "12345"},
     {"username": "bench", "password": "bench"}),
]
CALLED = "bench_get"


def initialize_time(argv: list[str], environment: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        with StdioServer(argv, environment) as server:
            server.initialize()
            times.append(ms(time.perf_counter() - server.started))
    return times


def tools_of(argv: list[str], environment: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    with StdioServer(argv, environment) as server:
        server.initialize()
        answer = server.call("tools/list")
        return answer["result"]["tools"], server.last_line_bytes


def calls(argv: list[str], environment: dict[str, str], name: str, arguments: dict[str, Any], count: int) -> tuple[list[float], int]:
    times, failures = [], 0
    with StdioServer(argv, environment) as server:
        server.initialize()
        for index in range(count + 10):
            began = time.perf_counter()
            answer = server.call("tools/call", {"name": name, "arguments": arguments})
            if index >= 10:  # warm-up calls are not counted
                times.append(ms(time.perf_counter() - began))
            if "error" in answer or answer.get("result", {}).get("isError"):
                failures += 1
    return times, failures


def direct(url: str, path: str, count: int) -> list[float]:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port))
    times = []
    for index in range(count + 10):
        began = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        json.loads(response.read())
        if index >= 10:
            times.append(ms(time.perf_counter() - began))
    connection.close()
    return times


def measure(binary: str, python: str | None, folder: str, upstream: str, runs: int, peer_runs: int, count: int,
            progress: Any, notes: list[str]) -> list[dict[str, Any]]:
    if not SHARED.is_dir():
        notes.append(f"OpenAPI rows skipped: no {SHARED} beside the checkout")
        return []
    base_url = upstream + benchlib.OPENAPI_PREFIX
    rows = []
    for label, relative, operation, path, arguments, peer_arguments, credentials in DOCUMENTS:
        document = SHARED / relative
        if not document.is_file():
            notes.append(f"OpenAPI rows: ../shared/{relative} is missing")
            continue
        row: dict[str, Any] = {"label": label, "size_mb": document.stat().st_size / 1e6}
        progress(f"{label}: conduit import x{runs}")
        imports = []
        for _ in range(max(3, runs // 3)):
            began = time.perf_counter()
            done = subprocess.run([binary, "import", "openapi", str(document), "--output", os.path.join(folder, f"{label}.json")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            imports.append(ms(time.perf_counter() - began))
            if done.returncode != 0:
                notes.append(f"{label}: conduit import failed (exit {done.returncode})")
        row["conduit import"] = statistics.median(imports)

        account = benchlib.write_account(folder, f"openapi-{label}", str(document), base_url, credentials=credentials)
        conduit = [binary, "serve", "--account", account]
        progress(f"{label}: conduit cold start x{runs}")
        row["conduit start"] = statistics.median(initialize_time(conduit, base_env(), runs))
        tools, size = tools_of(conduit, base_env())
        row["conduit tools"] = (len(tools), size, statistics.median(len(json.dumps(t, separators=(",", ":"))) for t in tools))
        name = next((t["name"] for t in tools if (t.get("_meta") or {}).get("conduit/operation_id") == operation), None)
        progress(f"{label}: direct GET x{count}")
        row["direct"] = statistics.median(direct(upstream, benchlib.OPENAPI_PREFIX + path, count))
        if name:
            progress(f"{label}: conduit {name} x{count}")
            times, failures = calls(conduit, base_env(), name, arguments, count)
            row["conduit call"] = statistics.median(times) - row["direct"]
            if failures:
                notes.append(f"{label}: {failures} conduit calls failed")
        else:
            notes.append(f"{label}: no conduit tool has operation id {operation}")

        if python:
            # The peer as FastMCP documents it (one line, response schemas listed and enforced)
            # for import, start and tools/list; its compact switch (validate_output=False) for
            # tools/list beside it and for the calls, since the stand-in's one fixed record is
            # not a valid answer for every document's response schema.
            serve = [python, str(HERE / "fastmcp_openapi.py"), "serve", str(document), base_url, f"{operation}={CALLED}"]
            peer_env = base_env(FASTMCP_LOG_LEVEL="WARNING", **({"BENCH_AUTHORIZATION": "Bearer bench"} if credentials else {}))
            compact_env = {**peer_env, "BENCH_COMPACT": "1"}
            progress(f"{label}: FastMCP from_openapi x{peer_runs}")
            builds = []
            for _ in range(peer_runs):
                out = subprocess.run([python, str(HERE / "fastmcp_openapi.py"), "build", str(document)], capture_output=True, text=True, env=peer_env)
                if out.returncode == 0:
                    builds.append(ms(float(out.stdout.strip().splitlines()[-1])))
            row["peer import"] = statistics.median(builds) if builds else None
            progress(f"{label}: FastMCP cold start x{peer_runs}")
            row["peer start"] = statistics.median(initialize_time(serve, peer_env, peer_runs))
            for key, environment in (("peer tools", peer_env), ("peer compact tools", compact_env)):
                tools, size = tools_of(serve, environment)
                row[key] = (len(tools), size, statistics.median(len(json.dumps(t, separators=(",", ":"))) for t in tools))
            progress(f"{label}: FastMCP (validate_output=False) {CALLED} x{count}")
            times, failures = calls(serve, compact_env, CALLED, peer_arguments, count)
            row["peer call"] = statistics.median(times) - row["direct"]
            if failures:
                notes.append(f"{label}: {failures} FastMCP calls failed")
        rows.append(row)
    return rows


def print_rows(table: Any, rows: list[dict[str, Any]], verdict: Any) -> None:
    def ratio(peer: float | None, mine: float | None) -> str:
        return f"{peer / mine:.1f}x" if peer and mine else ""

    for row in rows:
        label = row["label"]
        count, size, per = row["conduit tools"]
        peer_tools = row.get("peer tools")
        table.section(f"{label}'s OpenAPI document ({row['size_mb']:.1f} MB) as the integration, beside FastMCP from_openapi")
        aim_import = "<= 1 s" if label == "GitHub" else ""
        table.row("import (conduit import openapi / from_openapi in Python)", f"{row['conduit import']:.0f} ms",
                  f"{row['peer import']:.0f} ms" if row.get("peer import") else "", ratio(row.get("peer import"), row["conduit import"]),
                  aim_import, verdict(row["conduit import"] <= 1000) if aim_import else "")
        aim_start = "<= 300 ms, >= 10x peer" if label == "GitHub" else ">= 10x peer"
        start_ok = (label != "GitHub" or row["conduit start"] <= 300) and (not row.get("peer start") or row["peer start"] / row["conduit start"] >= 10)
        table.row("cold start -> initialize, median", f"{row['conduit start']:.0f} ms",
                  f"{row['peer start']:.0f} ms" if row.get("peer start") else "", ratio(row.get("peer start"), row["conduit start"]),
                  aim_start, verdict(start_ok))
        mean = size / count
        table.row("tools/list: tools, bytes in all", f"{count}, {size / 1024:.0f} KB",
                  f"{peer_tools[0]}, {peer_tools[1] / 1024:.0f} KB" if peer_tools else "")
        for key, what in (("peer tools", "per tool, mean / median"), ("peer compact tools", "  peer with validate_output=False")):
            peer = row.get(key)
            if key != "peer tools" and not peer:
                continue
            peer_mean = peer[1] / peer[0] if peer else None
            table.row(f"tools/list bytes {what}", f"{mean:.0f} / {per:.0f} B",
                      f"{peer_mean:.0f} / {peer[2]:.0f} B" if peer else "", ratio(peer_mean, mean),
                      "<= 1/2 of peer", verdict(mean <= peer_mean / 2) if peer_mean else "")
        if "conduit call" in row:
            table.row("one GET through the server, overhead over direct (median)", f"{row['conduit call']:.3f} ms",
                      f"{row['peer call']:.3f} ms" if "peer call" in row else "", ratio(row.get("peer call"), row["conduit call"]))
