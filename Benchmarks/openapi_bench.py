"""The OpenAPI rows of `Benchmarks/run`: conduit importing and serving a real public
document beside FastMCP's `from_openapi` on the same document (issue 16).

For each document of ../shared/openapi-corpus that is present (GitHub and Box):
  - import: `conduit import openapi DOC` wall time against the time FastMCP.from_openapi
    takes inside an already started Python (its interpreter start not counted);
  - cold start: spawn -> `initialize` answer, conduit with an account naming the document
    (imported in memory at start) against FastMCP building the server from the document;
  - tools/list: bytes of the answer, per tool (mean and median) and in all;
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
CORPUS = HERE.parent.parent / "shared" / "openapi-corpus"

# Each document, the GET operation whose call is timed, its arguments in conduit and in
# FastMCP (conduit calls a get's single path identifier `id`), and the credential it needs.
DOCUMENTS = [
    ("GitHub", "github/api.github.com.json", "repos/get", {"owner": "octocat", "repo": "Hello-World"},
     {"owner": "octocat", "repo": "Hello-World"}, None),
    ("Box", "box/openapi.json", "get_files_id", {"id": "12345"}, {"file_id": "12345"}, "access_token"),
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
    if not CORPUS.is_dir():
        notes.append(f"OpenAPI rows skipped: no corpus at {CORPUS}")
        return []
    base_url = upstream + benchlib.OPENAPI_PREFIX
    rows = []
    for label, relative, operation, arguments, peer_arguments, credential in DOCUMENTS:
        document = CORPUS / relative
        if not document.is_file():
            notes.append(f"OpenAPI rows: {relative} missing from the corpus")
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

        credentials = {credential: "bench"} if credential else {}
        account = benchlib.write_account(folder, f"openapi-{label}", str(document), base_url, credentials=credentials)
        conduit = [binary, "serve", "--account", account]
        progress(f"{label}: conduit cold start x{runs}")
        row["conduit start"] = statistics.median(initialize_time(conduit, base_env(), runs))
        tools, size = tools_of(conduit, base_env())
        row["conduit tools"] = (len(tools), size, statistics.median(len(json.dumps(t, separators=(",", ":"))) for t in tools))
        name = next((t["name"] for t in tools if (t.get("_meta") or {}).get("conduit/operation_id") == operation), None)
        path = "/repos/octocat/Hello-World" if label == "GitHub" else "/files/12345"
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
            peer = [python, str(HERE / "fastmcp_openapi.py"), "serve", str(document), base_url, f"{operation}={CALLED}"]
            peer_env = base_env(FASTMCP_LOG_LEVEL="WARNING", **({"BENCH_AUTHORIZATION": "Bearer bench"} if credential else {}))
            progress(f"{label}: FastMCP from_openapi x{peer_runs}")
            builds = []
            for _ in range(peer_runs):
                out = subprocess.run([python, str(HERE / "fastmcp_openapi.py"), "build", str(document)], capture_output=True, text=True, env=peer_env)
                if out.returncode == 0:
                    builds.append(ms(float(out.stdout.strip().splitlines()[-1])))
            row["peer import"] = statistics.median(builds) if builds else None
            progress(f"{label}: FastMCP cold start x{peer_runs}")
            row["peer start"] = statistics.median(initialize_time(peer, peer_env, peer_runs))
            tools, size = tools_of(peer, peer_env)
            row["peer tools"] = (len(tools), size, statistics.median(len(json.dumps(t, separators=(",", ":"))) for t in tools))
            progress(f"{label}: FastMCP {CALLED} x{count}")
            times, failures = calls(peer, peer_env, CALLED, peer_arguments, count)
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
        peer_mean = peer_tools[1] / peer_tools[0] if peer_tools else None
        table.row("tools/list: tools, bytes in all", f"{count}, {size / 1024:.0f} KB",
                  f"{peer_tools[0]}, {peer_tools[1] / 1024:.0f} KB" if peer_tools else "")
        table.row("tools/list bytes per tool, mean / median", f"{mean:.0f} / {per:.0f} B",
                  f"{peer_mean:.0f} / {peer_tools[2]:.0f} B" if peer_tools else "", ratio(peer_mean, mean),
                  "<= 1/2 of peer", verdict(mean <= peer_mean / 2) if peer_mean else "")
        if "conduit call" in row:
            table.row("one GET through the server, overhead over direct (median)", f"{row['conduit call']:.3f} ms",
                      f"{row['peer call']:.3f} ms" if "peer call" in row else "", ratio(row.get("peer call"), row["conduit call"]))
