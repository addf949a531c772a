"""The peer for `Benchmarks/run`: FastMCP serving a vendor API from its OpenAPI document.

Run with the benchmark's own venv (Benchmarks/.venv, see requirements.txt):
    .venv/bin/python fastmcp_server.py SPEC.json BASE_URL [OPERATION_ID=TOOL_NAME ...]
The API token comes from $BENCH_TOKEN and is sent as the bare Authorization header,
as Chorus expects (and as conduit sends it). The optional pairs rename operations so
both servers expose the called operation under the same tool name. Speaks MCP on stdio.
"""

import json
import os
import sys

import httpx2
from fastmcp import FastMCP


def main() -> None:
    spec_path, base_url = sys.argv[1], sys.argv[2]
    names = dict(pair.split("=", 1) for pair in sys.argv[3:])
    with open(spec_path) as f:
        spec = json.load(f)
    client = httpx2.AsyncClient(
        base_url=base_url,
        headers={"Authorization": os.environ["BENCH_TOKEN"]},
        timeout=30,
        # The same ceiling conduit uses (httpMaximumConnectionsPerHost = 64).
        limits=httpx2.Limits(max_connections=64, max_keepalive_connections=64),
    )
    # Output validation off: conduit does not validate results against a schema either.
    server = FastMCP.from_openapi(spec, client=client, name="Chorus (FastMCP)", mcp_names=names, validate_output=False)
    server.run(transport="stdio", show_banner=False)


if __name__ == "__main__":
    main()
