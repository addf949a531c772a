"""Shared pieces of the benchmark suite (`Benchmarks/run`): standard library only.

- `Upstream`: a loopback stand-in for the vendor API, run in its own Python process
  (so its threads never share a GIL with the timing client). `python3 benchlib.py
  upstream [--latency S]` serves it and prints its port on the first line.
- `StdioServer`: the client side of MCP over stdio, the same code for conduit and
  for the peer: newline-delimited JSON-RPC, requests pipelined by id, every read
  synchronous (no reader thread between the pipe and the clock).
- Generators: account files, a synthetic definition with N operations, and a small
  OpenAPI 3 document written from conduit's own definition of the called operations.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from typing import Any

TOKEN = "bench-token-1b2d"
ME_PATH = "/api/v1/users/me"
ME_BODY = json.dumps(
    {"data": {"type": "user", "id": "u-1", "attributes": {"name": "Ana", "email": "ana@example.com", "role": "rep"}}}
).encode()
CLIENT_INFO = {"name": "conduit-bench", "version": "1"}

# A real-sized page: Gong's first page of calls (GET /v2/calls), 100 calls with every
# field Gong's documentation shows, about 59 KB. Deterministic, with the text agents
# really get: accented names, quotes, URLs, and a few escapes.
GONG_CALLS_PATH = "/v2/calls"
GONG_BASIC = "Basic " + __import__("base64").b64encode(b"bench-key:bench-secret").decode()


def gong_calls_page(count: int = 100) -> bytes:
    people = ["Ana Lima", "Björn Åström", "Chloé Dubois", "Dmitri Ivanov", "Eve O'Neil", "Farah Khan", "Gabriel García", "Hana Sato"]
    companies = ["Acme Corp", "Globex", "Initech", "Umbrella \"Health\"", "Stark Industries", "Wayne Enterprises", "Hooli", "Vandelay"]
    purposes = ["Discovery call", "Demo Call", "Pricing review", "Quarterly business review", "Onboarding kickoff"]
    calls = []
    for index in range(count):
        call_id = str(7782342274025937895 - index * 7919)
        person = people[index % len(people)]
        company = companies[index % len(companies)]
        started = 1733209200 - index * 5400
        calls.append({
            "id": call_id,
            "url": f"https://app.gong.io/call?id={call_id}",
            "title": f"{company} — {purposes[index % len(purposes)]} ({person})",
            "scheduled": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started + 95)),
            "duration": 1200 + (index * 137) % 2400,
            "primaryUserId": str(234599484848423 + index % 12),
            "direction": ["Inbound", "Outbound", "Conference"][index % 3],
            "system": ["Zoom", "Google Meet", "Outreach", "Microsoft Teams"][index % 4],
            "scope": ["External", "Internal"][index % 5 == 0],
            "media": ["Video", "Audio"][index % 4 == 0],
            "language": ["eng", "fre", "ger", "spa"][index % 4],
            "workspaceId": "623457276584334",
            "sdrDisposition": ["Got the gatekeeper", "Connected", "No answer", "Left voicemail"][index % 4],
            "clientUniqueId": f"7JEHFRGXDDZ{index:04d}FC4U",
            "customData": f"Conference Call\nRoom {index % 9}",
            "purpose": purposes[index % len(purposes)],
            "meetingUrl": f"https://zoom.us/j/{8123456789 + index}",
            "isPrivate": index % 17 == 0,
            "calendarEventId": f"evt{index:05d}@google.com",
        })
    page = {"requestId": "4al018gzaztcr8nbukw",
            "records": {"totalRecords": 5000, "currentPageSize": count, "currentPageNumber": 0,
                        "cursor": "eyJhbGciOiJIUzI1NiJ9.eyJjYWxsSWQiOjc3ODIzNDIyNzQwMjU5Mzc4OTV9.bench"},
            "calls": calls}
    return json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode()


GONG_CALLS_BODY = gong_calls_page()
HANDSHAKE_REVISION = "2025-11-25"
MODERN_REVISION = "2026-07-28"
MODERN_META = {
    "io.modelcontextprotocol/protocolVersion": MODERN_REVISION,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
}


# -- the loopback upstream -------------------------------------------------------------


def ms(seconds: float) -> float:
    return seconds * 1000


def base_env(**extra: str) -> dict[str, str]:
    """A small, explicit environment for the servers under test."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env.update(extra)
    return env


# The OpenAPI rows' stand-in answer: a repository record of GitHub's size and shape.
OPENAPI_PREFIX = "/openapi-bench"
OPENAPI_BODY = json.dumps({
    "id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": "Hello-World", "full_name": "octocat/Hello-World",
    "private": False, "description": "This your first repo!", "fork": False, "homepage": "https://github.com",
    "owner": {"login": "octocat", "id": 1, "type": "User", "site_admin": False,
              **{f"{k}_url": f"https://api.github.com/users/octocat/{k}" for k in ("followers", "following", "gists", "starred",
                                                                                       "subscriptions", "organizations", "repos", "events")}},
    **{f"{k}_url": f"https://api.github.com/repos/octocat/Hello-World/{k}" for k in (
        "archive", "assignees", "blobs", "branches", "collaborators", "comments", "commits", "compare", "contents", "contributors",
        "deployments", "downloads", "events", "forks", "git_commits", "git_refs", "git_tags", "hooks", "issue_comment", "issue_events",
        "issues", "keys", "labels", "languages", "merges", "milestones", "notifications", "pulls", "releases", "stargazers", "statuses",
        "subscribers", "subscription", "tags", "teams", "trees")},
    "language": None, "forks_count": 9, "stargazers_count": 80, "watchers_count": 80, "size": 108, "default_branch": "master",
    "open_issues_count": 0, "topics": ["octocat", "atom", "electron", "api"], "has_issues": True, "has_projects": True,
    "has_wiki": True, "has_pages": False, "has_downloads": True, "archived": False, "disabled": False, "visibility": "public",
    "pushed_at": "2011-01-26T19:06:43Z", "created_at": "2011-01-26T19:01:12Z", "updated_at": "2011-01-26T19:14:43Z",
    "permissions": {"admin": False, "push": False, "pull": True}, "license": {"key": "mit", "name": "MIT License", "spdx_id": "MIT"},
}).encode()


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # 64 clients connect at once in the concurrency test; the default backlog (5) would
    # drop SYNs and add a 1 s retransmit to some of them.
    request_queue_size = 512


def _handler(latency: float):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes; without this, Nagle's algorithm
            # and delayed ACKs add 40 ms to every response.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _answer(self, status: int, body: bytes, content_type: str = "application/vnd.api+json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if latency:
                time.sleep(latency)
            if self.path.startswith(OPENAPI_PREFIX + "/"):
                # The OpenAPI rows: any GET under the prefix gets one fixed record.
                return self._answer(200, OPENAPI_BODY, "application/json")
            if self.path.split("?")[0] == GONG_CALLS_PATH:
                if self.headers.get("Authorization") != GONG_BASIC:
                    return self._answer(401, b'{"requestId": "x", "errors": ["Unauthorized"]}', "application/json")
                return self._answer(200, GONG_CALLS_BODY, "application/json")
            if self.headers.get("Authorization") != TOKEN:
                return self._answer(401, b'{"errors": [{"status": "401", "title": "Unauthorized"}]}')
            if self.path.split("?")[0] == ME_PATH:
                return self._answer(200, ME_BODY)
            return self._answer(404, b'{"errors": [{"status": "404", "title": "Not Found"}]}')

        def do_PUT(self) -> None:
            # Gong's call media upload: the body is read to the end and counted, not kept.
            parts = self.path.split("?")[0].split("/")
            if len(parts) != 5 or parts[1:3] != ["v2", "calls"] or parts[4] != "media":
                return self._answer(404, b'{"requestId": "x", "errors": ["Not Found"]}', "application/json")
            if self.headers.get("Authorization") != GONG_BASIC:
                return self._answer(401, b'{"requestId": "x", "errors": ["Unauthorized"]}', "application/json")
            remaining = int(self.headers.get("Content-Length") or 0)
            received = 0
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                received += len(chunk)
                remaining -= len(chunk)
            body = json.dumps({"requestId": "bench", "callId": parts[3], "url": "https://app.gong.io/call?id=" + parts[3],
                               "received": received}).encode()
            return self._answer(200, body, "application/json")

    return Handler


def serve_upstream(latency: float) -> None:
    server = _Server(("127.0.0.1", 0), _handler(latency))
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the parent closes our stdin (or dies)


class Upstream:
    """The loopback vendor in a child process; `url` is its base URL."""

    def __init__(self, latency: float = 0.0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "upstream", "--latency", str(latency)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()

    def __enter__(self) -> "Upstream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the stdio client --------------------------------------------------------------------


class StdioServer:
    """An MCP server process over stdio, driven with plain JSON lines."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.next_id = 1
        self.last_line_bytes = 0

    def send(self, *messages: dict[str, Any]) -> None:
        self.proc.stdin.write(b"".join(json.dumps(m).encode() + b"\n" for m in messages))
        self.proc.stdin.flush()

    def request_message(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        self.next_id += 1
        if params is not None:
            message["params"] = params
        return message

    def read(self) -> dict[str, Any]:
        line = self.proc.stdout.readline()
        if not line:
            raise EOFError(f"{self.proc.args[0]} closed stdout (exit {self.proc.poll()})")
        self.last_line_bytes = len(line)
        return json.loads(line)

    def collect(self, ids: set[Any]) -> dict[Any, dict[str, Any]]:
        """Reads until a response for every id has arrived (notifications are skipped)."""
        found: dict[Any, dict[str, Any]] = {}
        while len(found) < len(ids):
            message = self.read()
            if "id" in message and message["id"] in ids and "method" not in message:
                found[message["id"]] = message
        return found

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        message = self.request_message(method, params)
        self.send(message)
        return self.collect({message["id"]})[message["id"]]

    def initialize(self) -> dict[str, Any]:
        answer = self.call("initialize", {"protocolVersion": HANDSHAKE_REVISION, "capabilities": {}, "clientInfo": CLIENT_INFO})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return answer

    def rss_mb(self, field: str = "VmRSS") -> float:
        with open(f"/proc/{self.proc.pid}/status") as status:
            for row in status:
                if row.startswith(field + ":"):
                    return int(row.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> "StdioServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def tool_call(name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "arguments": arguments or {}}


def is_tool_error(response: dict[str, Any]) -> bool:
    return "error" in response or bool(response.get("result", {}).get("isError"))


# -- generated inputs ----------------------------------------------------------------------


def write_account(folder: str, name: str, integration: str, base_url: str, **extra: Any) -> str:
    credentials = {
        "chorus": {"api_token": TOKEN},
        "gong": {"access_key": "bench-key", "access_key_secret": "bench-secret"},
        "coviu": {"client_id": "bench-id", "client_secret": "bench-secret"},
    }.get(integration, {"api_token": TOKEN})
    account = {"integration": integration, "base_url": base_url, "credentials": credentials, **extra}
    path = os.path.join(folder, f"{name}.json")
    with open(path, "w") as f:
        json.dump(account, f)
    return path


CUSTOM_METHODS = ["archive", "restore", "export", "share", "assign"]


def synthetic_definition(operations: int) -> dict[str, Any]:
    """A definition with `operations` documented methods: resources of 5 CRUD + 5 custom
    methods, each with a few typed parameters, so tools/list is realistically sized."""
    resources: dict[str, Any] = {}
    count = 0
    index = 0
    while count < operations:
        name = f"things{index:04d}"
        methods: dict[str, Any] = {}
        for method in ["list", "get", "create", "update", "delete", *CUSTOM_METHODS]:
            if count >= operations:
                break
            count += 1
            http = {"list": "GET", "get": "GET", "create": "POST", "update": "PATCH", "delete": "DELETE"}.get(method, "POST")
            path = f"/v1/{name}" if method in ("list", "create") else f"/v1/{name}/{{thing_id}}" + (
                "" if method in ("get", "update", "delete") else f"/actions/{method}")
            entry: dict[str, Any] = {
                "http": http,
                "path": path,
                "summary": f"{method.title()} {name}",
                "description": (
                    f"{method.title()} records of the {name} collection in the synthetic benchmark API. Use it when the "
                    f"task concerns {name}; it needs the token's read scope for reads and write scope for changes, and "
                    "returns the vendor's JSON document unchanged. Generated for conduit's benchmarks."
                ),
                "parameters": [
                    {"name": "fields", "in": "query", "required": False, "description": "Comma-separated fields to return.",
                     "schema": {"type": "string"}},
                    {"name": "include_archived", "in": "query", "required": False,
                     "description": "Whether archived records are included.", "schema": {"type": "boolean"}},
                ],
            }
            if "{thing_id}" in path:
                entry["parameters"].append({"name": "thing_id", "in": "path", "required": True,
                                            "description": "The record's id.", "schema": {"type": "string"}})
            if method == "list":
                entry["pagination"] = {"style": "cursor", "cursor_param": "cursor", "cursor_in": "query",
                                       "next_cursor_path": "next", "limit_param": "limit", "max_limit": 100}
                entry["results_path"] = "items"
            if method in ("create", "update") or method in CUSTOM_METHODS:
                entry["body"] = {"content_type": "application/json", "required": method == "create", "schema": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string", "description": "A short title."},
                        "notes": {"type": "string", "description": "Free text."},
                        "priority": {"type": "integer", "minimum": 1, "maximum": 5, "description": "1 (low) to 5 (high)."},
                        "labels": {"type": "array", "items": {"type": "string"}, "description": "Labels to set."},
                        "state": {"type": "string", "enum": ["open", "closed", "pending"], "description": "Workflow state."},
                    },
                    "required": ["title"] if method == "create" else [],
                }}
            methods[method] = entry
        resources[name] = {"singular": f"thing{index:04d}", "title": name.title(), "tags": [f"group{index % 10}"], "methods": methods}
        index += 1
    return {
        "name": "synthetic",
        "title": "Synthetic",
        "description": f"A generated API with {operations} operations, for conduit's tools/list benchmark.",
        "base_url": "http://127.0.0.1:9",
        "credentials": {"api_token": {"description": "Any value.", "secret": True}},
        "auth": [{"type": "header", "header": "Authorization", "value": "{api_token}"}],
        "resources": resources,
    }


def openapi_from_definition(definition_path: str, resources: list[str]) -> dict[str, Any]:
    """A small OpenAPI 3 document for the named resources of a conduit definition file,
    with operationIds equal to conduit's tool names (so both servers expose the same
    names). Used when the vendor's own OpenAPI document is not beside the repo."""
    with open(definition_path) as f:
        definition = json.load(f)
    integration = definition["name"]
    paths: dict[str, Any] = {}
    for resource_name in resources:
        resource = definition["resources"][resource_name]
        for method_name, method in resource["methods"].items():
            singular = resource["singular"]
            tool = {
                "list": f"list_all_{integration}_{resource_name}",
                "get": f"get_single_{integration}_{singular}_by_id",
                "create": f"create_a_{integration}_{singular}",
                "update": f"update_a_{integration}_{singular}_by_id",
                "delete": f"delete_a_{integration}_{singular}_by_id",
            }.get(method_name, f"{integration}_{resource_name}_{method_name}")
            operation: dict[str, Any] = {
                "operationId": tool,
                "summary": method.get("summary", tool),
                "description": method.get("description", ""),
                "parameters": [
                    {"name": p["name"], "in": p["in"], "required": bool(p.get("required") or p["in"] == "path"),
                     "description": p.get("description", ""), "schema": p.get("schema", {"type": "string"})}
                    for p in method.get("parameters", [])
                ],
                "responses": {"200": {"description": "Success", "content": {"application/json": {"schema": {"type": "object"}}}}},
            }
            if "body" in method:
                operation["requestBody"] = {"required": bool(method["body"].get("required")), "content": {
                    "application/json": {"schema": method["body"].get("schema", {"type": "object"})}}}
            paths.setdefault(method["path"], {})[method["http"].lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": f"{definition['title']} (the operations conduit's benchmark calls)", "version": "1"},
        "servers": [{"url": definition["base_url"]}],
        "paths": paths,
    }


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "upstream":
        latency = float(sys.argv[sys.argv.index("--latency") + 1]) if "--latency" in sys.argv else 0.0
        serve_upstream(latency)
    else:
        sys.exit("usage: benchlib.py upstream [--latency SECONDS]")
