"""The official MCP Python SDK drives `conduit serve --account FILE` as a real client.

Both eras: the initialize handshake (`mode="legacy"`, once per handshake
revision the SDK can offer) and the stateless 2026-07-28 revision
(`mode="auto"`, which probes `server/discover`, and `mode="2026-07-28"`, which
adopts the version without a probe). Against the Chorus fake each session
lists tools, pages through every conversation with `next_cursor`, fetches one
conversation and gets a 404 as a tool error.

Every SDK await runs under `anyio.fail_after`, and the client has a read
timeout, so a silent server fails the test instead of hanging it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import mcp.client.session as sdk_session
import pytest
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp_types import CallToolResult, Implementation, TextContent

from conftest import CHORUS_TOKEN, SERVER_NAME, base_env, write_account
from fake_chorus import ALL_ENGAGEMENT_IDS, PAGE_KEYS, FakeChorus

LIST_TOOL = "list_all_chorus_conversations"
GET_TOOL = "get_single_chorus_conversation_by_id"
SESSION_DEADLINE = 30.0  # seconds for one whole client session
READ_TIMEOUT = 10.0  # seconds for any single response
HANDSHAKE_VERSIONS = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]
CLIENT_INFO = Implementation(name="conduit-interop-tests", version="1.0")
# A snippet of the fake's transcript: proves the utterances came through.
UTTERANCE = "Our TPS reports take days."


def make_client(binary: Path, account: Path, env: dict[str, str], errlog: Any, mode: str) -> Client:
    params = StdioServerParameters(command=str(binary), args=["serve", "--account", str(account)], env=env)
    # stdio_client directly (rather than Client(params)) to send the server's stderr to a file
    # that failure messages can quote.
    return Client(
        stdio_client(params, errlog=errlog),
        mode=mode,
        read_timeout_seconds=READ_TIMEOUT,
        client_info=CLIENT_INFO,
        cache=None,
    )


def run(flow: Any, *args: Any) -> None:
    async def bounded() -> None:
        with anyio.fail_after(SESSION_DEADLINE):
            await flow(*args)

    anyio.run(bounded)


def run_showing_stderr(flow: Any, errlog: Any) -> None:
    """Runs a flow; if it fails, prints what conduit wrote to stderr before re-raising."""
    try:
        run(flow)
    except BaseException:
        errlog.seek(0)
        print("conduit stderr:\n" + errlog.read())
        raise


def payload_of(result: CallToolResult, structured: bool) -> Any:
    """The JSON a tool returned: structuredContent where the revision has it, else the text.

    Also checks the contract that both carry the same JSON.
    """
    texts = [block.text for block in result.content if isinstance(block, TextContent)]
    assert texts, f"the tool result has no text content: {result!r}"
    if structured:
        assert result.structured_content is not None, "no structuredContent in a revision that has it"
        assert json.loads(texts[0]) == result.structured_content, "text content and structuredContent differ"
        return result.structured_content
    return json.loads(texts[0])


async def exercise_chorus_tools(client: Client, fake: FakeChorus, structured: bool) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    for name in (LIST_TOOL, GET_TOOL):
        assert name in tools, f"{name} missing from tools/list ({sorted(tools)})"
        assert tools[name].input_schema.get("type") == "object", f"{name}: inputSchema is not an object schema"
    list_properties = tools[LIST_TOOL].input_schema.get("properties", {})
    assert "next_cursor" in list_properties and "limit" in list_properties, (
        f"{LIST_TOOL} must take limit and next_cursor (has {sorted(list_properties)})"
    )
    assert "id" in tools[GET_TOOL].input_schema.get("properties", {}), f"{GET_TOOL} must take `id`"

    # First page: the fake sees GET /v3/engagements with the bare token.
    fake.clear()
    first = await client.call_tool(LIST_TOOL, {})
    assert not first.is_error, f"{LIST_TOOL} failed: {first.content}"
    calls = fake.recorded("/v3/engagements", "GET")
    assert len(calls) == 1, f"expected one GET /v3/engagements, saw {[(r.method, r.raw_target) for r in fake.recorded()]}"
    assert calls[0].header("Authorization") == CHORUS_TOKEN, "the token must be the bare Authorization value"
    assert "continuation_key" not in calls[0].query, "the first page must not send a continuation_key"
    page = payload_of(first, structured)
    assert isinstance(page, dict) and isinstance(page.get("result"), list), f"unexpected list result {page!r}"
    assert "next_cursor" in page and (page["next_cursor"] is None or isinstance(page["next_cursor"], str))
    assert [e["engagement_id"] for e in page["result"]] == ALL_ENGAGEMENT_IDS[:3]
    assert isinstance(page["next_cursor"], str), "a first page of three must say there is more"

    # Follow next_cursor to the end.
    seen = [e["engagement_id"] for e in page["result"]]
    cursor = page["next_cursor"]
    for _ in range(10):
        if cursor is None:
            break
        result = await client.call_tool(LIST_TOOL, {"next_cursor": cursor})
        assert not result.is_error, f"{LIST_TOOL} with next_cursor failed: {result.content}"
        page = payload_of(result, structured)
        seen += [e["engagement_id"] for e in page["result"]]
        cursor = page["next_cursor"]
    assert cursor is None, "pagination never ended"
    assert len(seen) == len(set(seen)), f"duplicate conversations across pages: {seen}"
    assert seen == ALL_ENGAGEMENT_IDS, f"pages did not cover every conversation exactly once: {seen}"
    sent_keys = [(r.query.get("continuation_key") or [""])[0] for r in fake.recorded("/v3/engagements")]
    assert sent_keys == PAGE_KEYS, f"upstream continuation keys sent: {sent_keys}"
    assert all(r.header("Authorization") == CHORUS_TOKEN for r in fake.recorded())

    # One conversation, with its transcript.
    fake.clear()
    conversation_id = ALL_ENGAGEMENT_IDS[4]
    got = await client.call_tool(GET_TOOL, {"id": conversation_id})
    assert not got.is_error, f"{GET_TOOL} failed: {got.content}"
    requests = fake.recorded()
    assert [(r.method, r.path) for r in requests] == [("GET", f"/api/v1/conversations/{conversation_id}")]
    assert requests[0].header("Authorization") == CHORUS_TOKEN
    body = json.dumps(payload_of(got, structured))
    assert conversation_id in body and UTTERANCE in body, f"conversation or utterances missing: {body[:500]}"

    # An unknown id: an upstream 404 comes back as a tool error, not a protocol error.
    missing = await client.call_tool(GET_TOOL, {"id": "NOSUCHCONVERSATION"})
    assert missing.is_error is True, "an upstream 404 must be a tool result with isError"
    text = " ".join(block.text for block in missing.content if isinstance(block, TextContent))
    assert "404" in text, f"the error must carry the HTTP status: {text}"
    assert "NOSUCHCONVERSATION was not found" in text, f"the error must carry the upstream message: {text}"


@pytest.fixture
def errlog(tmp_path: Path) -> Any:
    with open(tmp_path / "conduit-stderr.log", "w+", encoding="utf-8") as handle:
        yield handle


@pytest.mark.parametrize("version", HANDSHAKE_VERSIONS)
def test_handshake_era(version: str, conduit_binary: Path, conduit_version: str, account_file: Path,
                       fake_chorus: FakeChorus, server_env: dict[str, str], errlog: Any,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK offers LATEST_HANDSHAKE_VERSION in initialize; pin it to the revision under test.
    monkeypatch.setattr(sdk_session, "LATEST_HANDSHAKE_VERSION", version)

    async def flow() -> None:
        async with make_client(conduit_binary, account_file, server_env, errlog, "legacy") as client:
            assert client.protocol_version == version
            init = client.session.initialize_result
            assert init is not None and init.protocol_version == version
            info = client.server_info
            assert info is not None and "chorus" in info.name.lower(), f"serverInfo.name {info!r}"
            assert info.version == conduit_version, "serverInfo.version must be conduit's version"
            if version >= "2025-06-18":
                assert info.title == SERVER_NAME, "serverInfo.title should be the account's server.name"
            assert client.instructions and "Chorus" in client.instructions
            assert client.server_capabilities.tools is not None, "the tools capability must be advertised"
            await exercise_chorus_tools(client, fake_chorus, structured=version >= "2025-06-18")

    run_showing_stderr(flow, errlog)


@pytest.mark.parametrize("mode", ["auto", "2026-07-28"])
def test_stateless_era(mode: str, conduit_binary: Path, conduit_version: str, account_file: Path,
                       fake_chorus: FakeChorus, server_env: dict[str, str], errlog: Any) -> None:
    async def flow() -> None:
        async with make_client(conduit_binary, account_file, server_env, errlog, mode) as client:
            assert client.protocol_version == "2026-07-28"
            assert client.session.initialize_result is None, "no initialize handshake in 2026-07-28"
            discovered = client.session.discover_result
            assert discovered is not None
            if mode == "auto":
                # The probe went over the wire: these are the server's own answers.
                assert "2026-07-28" in discovered.supported_versions
                assert set(HANDSHAKE_VERSIONS) <= set(discovered.supported_versions), (
                    f"supportedVersions should list every revision conduit speaks: {discovered.supported_versions}"
                )
                assert discovered.capabilities.tools is not None
                assert discovered.instructions and "Chorus" in discovered.instructions
                assert discovered.ttl_ms >= 0
                info = client.server_info
                assert info is not None and "chorus" in info.name.lower()
                assert info.version == conduit_version
            await exercise_chorus_tools(client, fake_chorus, structured=True)

    run_showing_stderr(flow, errlog)


def test_limit_pages_without_gaps_or_duplicates(conduit_binary: Path, account_file: Path, fake_chorus: FakeChorus,
                                                server_env: dict[str, str], errlog: Any) -> None:
    """`limit` smaller than the vendor's page: every conversation still comes exactly once."""

    async def flow() -> None:
        async with make_client(conduit_binary, account_file, server_env, errlog, "auto") as client:
            seen: list[str] = []
            cursor: str | None = None
            for _ in range(20):
                arguments: dict[str, Any] = {"limit": 2}
                if cursor is not None:
                    arguments["next_cursor"] = cursor
                result = await client.call_tool(LIST_TOOL, arguments)
                assert not result.is_error, f"{LIST_TOOL} failed: {result.content}"
                page = payload_of(result, structured=True)
                assert len(page["result"]) <= 2, f"limit 2 returned {len(page['result'])} items"
                seen += [e["engagement_id"] for e in page["result"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert cursor is None, "pagination with limit never ended"
            assert seen == ALL_ENGAGEMENT_IDS, f"limit paging lost or repeated conversations: {seen}"

    run(flow)


def test_list_filters_reach_the_vendor_query(conduit_binary: Path, account_file: Path, fake_chorus: FakeChorus,
                                             server_env: dict[str, str], errlog: Any) -> None:
    """Vendor filter arguments keep their Chorus names and land in the query string."""

    async def flow() -> None:
        async with make_client(conduit_binary, account_file, server_env, errlog, "legacy") as client:
            result = await client.call_tool(
                LIST_TOOL, {"engagement_type": "meeting", "min_date": "2024-05-01T00:00:00Z"}
            )
            assert not result.is_error, f"filters rejected: {result.content}"
            (request,) = fake_chorus.recorded("/v3/engagements")
            assert request.query.get("engagement_type") == ["meeting"]
            assert request.query.get("min_date") == ["2024-05-01T00:00:00Z"]

    run(flow)


def test_wrong_token_is_a_tool_error(conduit_binary: Path, tmp_path: Path, chorus_integration: str,
                                     fake_chorus: FakeChorus, errlog: Any) -> None:
    """A 401 from Chorus reaches the model as an isError result naming the status and the vendor's detail."""
    account = write_account(tmp_path / "account.json", chorus_integration, fake_chorus.url)
    env = base_env(CHORUS_TOKEN="not-the-right-token")

    async def flow() -> None:
        async with make_client(conduit_binary, account, env, errlog, "legacy") as client:
            result = await client.call_tool(LIST_TOOL, {})
            assert result.is_error is True
            text = " ".join(block.text for block in result.content if isinstance(block, TextContent))
            assert "401" in text and "invalid API token" in text, text
            (request,) = fake_chorus.recorded("/v3/engagements")
            assert request.header("Authorization") == "not-the-right-token"

    run(flow)


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
def test_a_downloaded_files_resource_link_can_be_read(mode: str, conduit_binary: Path, tmp_path: Path,
                                                      errlog: Any) -> None:
    """The SDK follows the resource_link of a download with resources/read and gets the
    file's bytes; a path outside conduit's folder is refused like a missing one."""
    import base64
    from mcp.shared.exceptions import MCPError

    env = base_env()
    env["TMPDIR"] = str(tmp_path)  # conduit's download folder goes under here
    params = StdioServerParameters(command=str(conduit_binary), args=["serve", "--sandbox", "chorus"], env=env)

    async def flow() -> None:
        async with Client(stdio_client(params, errlog=errlog), mode=mode, read_timeout_seconds=READ_TIMEOUT,
                          client_info=CLIENT_INFO, cache=None) as client:
            if mode == "legacy":  # "2026-07-28" adopts the version without asking for capabilities
                assert client.server_capabilities.resources is not None, "the resources capability must be advertised"
            result = await client.call_tool("get_single_chorus_media_by_id",
                                            {"id": "4BBD34AEA98319C1124B44357BC46C5C", "info": False})
            assert not result.is_error, result
            links = [block for block in result.content if block.type == "resource_link"]
            assert links, f"no resource_link in {result.content!r}"
            uri = str(links[0].uri)
            path = Path(result.structured_content["path"])
            listed = await client.list_resources()
            assert uri in [str(r.uri) for r in listed.resources]
            read = await client.read_resource(uri)
            assert base64.b64decode(read.contents[0].blob) == path.read_bytes()
            for outside in ["file:///etc/passwd", uri.rsplit("/", 1)[0] + "/../x", uri + ".missing"]:
                with pytest.raises(MCPError) as refused:
                    await client.read_resource(outside)
                assert "Resource not found" in str(refused.value)
                assert "passwd" not in str(refused.value).replace(outside, "")

    run_showing_stderr(flow, errlog)
