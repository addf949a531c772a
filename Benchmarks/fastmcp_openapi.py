"""The peer for the OpenAPI rows of `Benchmarks/run`: FastMCP's `from_openapi` on any document.

    .venv/bin/python fastmcp_openapi.py build DOC              prints the seconds from_openapi takes
    .venv/bin/python fastmcp_openapi.py serve DOC BASE_URL [OPERATION_ID=TOOL_NAME ...]

`serve` speaks MCP on stdio against BASE_URL; $BENCH_AUTHORIZATION, when set, is sent as
the Authorization header. The pairs rename operations so both servers can be asked for the
same operation by one name. JSON documents only (the benchmarked ones are JSON).

By default the server is the one line FastMCP documents, `FastMCP.from_openapi(spec, client)`,
which lists each operation's response schema as its outputSchema and validates answers
against it. With $BENCH_COMPACT=1 it passes `validate_output=False`, FastMCP's switch that
lists no response schemas (and so accepts any answer).
"""

import json
import os
import sys
import time

import httpx2
from fastmcp import FastMCP


def load(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


def client(base_url: str) -> httpx2.AsyncClient:
    headers = {}
    if os.environ.get("BENCH_AUTHORIZATION"):
        headers["Authorization"] = os.environ["BENCH_AUTHORIZATION"]
    return httpx2.AsyncClient(base_url=base_url, headers=headers, timeout=30)


def options() -> dict:
    return {"validate_output": False} if os.environ.get("BENCH_COMPACT") == "1" else {}


def main() -> None:
    command, path = sys.argv[1], sys.argv[2]
    if command == "build":
        spec = load(path)
        began = time.perf_counter()
        FastMCP.from_openapi(spec, client=client("http://127.0.0.1:9"), name="peer", **options())
        print(f"{time.perf_counter() - began:.6f}")
        return
    base_url = sys.argv[3]
    names = dict(pair.split("=", 1) for pair in sys.argv[4:])
    server = FastMCP.from_openapi(load(path), client=client(base_url), name="peer", mcp_names=names, **options())
    server.run(transport="stdio", show_banner=False)


if __name__ == "__main__":
    main()
