"""The unified meeting and user tools, driven by the official MCP SDK.

One agent workflow — find the latest meeting with an attendee, read its transcript,
list what the customer said — is written once and run unchanged against the Chorus
and the Gong stand-ins (`conduit serve --sandbox NAME`). Each answer is checked
against the stand-in's own data, read through the vendor's own tools in the same
session (engagements and utterances; calls, parties and monologues).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp_types import TextContent

from conftest import base_env

DEADLINE = 90.0
READ_TIMEOUT = 20.0


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> Any:
    result = await client.call_tool(tool, arguments)
    text = " ".join(block.text for block in result.content if isinstance(block, TextContent))
    assert not result.is_error, f"{tool} {arguments} failed: {text}"
    assert result.structured_content is not None
    assert json.loads(text) == result.structured_content
    return result.structured_content


async def walk(client: Client, tool: str, arguments: dict[str, Any]) -> list[Any]:
    records: list[Any] = []
    cursor = None
    for _ in range(200):
        page = await call(client, tool, {**arguments, **({"next_cursor": cursor} if cursor else {})})
        records += page["result"]
        cursor = page["next_cursor"]
        if cursor is None:
            return records
    raise AssertionError(f"{tool} never reached its last page")


# ---------------------------------------------------------------- the workflow, written once

async def latest_meeting_customer_lines(client: Client, attendee: str) -> tuple[dict, dict, list[str]]:
    """What an agent prompt does, in the unified vocabulary only."""
    page = await call(client, "list_all_meetings", {"attendee_email": attendee, "limit": 1})
    assert page["result"], f"no meeting with {attendee}"
    meeting = page["result"][0]
    transcript = await call(client, "get_single_meeting_transcript_by_id", {"id": meeting["id"]})
    customer = [segment["text"] for segment in transcript["segments"] if segment["speaker_type"] == "guest"]
    return meeting, transcript, customer


# ---------------------------------------------------------------- the stand-ins' own data

class Truth:
    """Meetings and transcripts as the vendor's own tools give them."""

    meetings: list[dict[str, Any]]  # {id, start, emails, host, guests}
    users: list[str]

    async def transcript(self, client: Client, meeting_id: str) -> list[tuple[str, bool]]:
        raise NotImplementedError


class ChorusTruth(Truth):
    async def load(self, client: Client) -> None:
        engagements = await walk(client, "list_all_chorus_conversations", {"engagement_type": "meeting"})
        self.meetings = [{
            "id": e["engagement_id"], "start": float(e["date_time"]),
            "emails": {p["email"].lower() for p in e["participants"] if p.get("email")},
            "guests": {p["email"].lower() for p in e["participants"] if p.get("type") == "cust" and p.get("email")},
            "host": str(e["user_id"]),
        } for e in engagements]
        self.users = [str(u["id"]) for u in (await call(client, "list_all_chorus_users", {}))["result"]]

    async def transcript(self, client: Client, meeting_id: str) -> list[tuple[str, bool]]:
        document = await call(client, "get_single_chorus_conversation_by_id",
                              {"id": meeting_id, "fields": ["recording.utterances"]})
        return [(u["snippet"], u["speaker_type"] == "cust")
                for u in document["data"]["attributes"]["recording"]["utterances"]]


class GongTruth(Truth):
    async def load(self, client: Client) -> None:
        calls = await walk(client, "list_all_gong_calls_extensive", {
            "filter": {"fromDateTime": "2000-01-01T00:00:00Z", "toDateTime": iso(datetime.now().timestamp() + 86400)},
            "contentSelector": {"exposedFields": {"parties": True}}})
        self.meetings = [{
            "id": c["metaData"]["id"], "start": epoch(c["metaData"]["started"]),
            "emails": {p["emailAddress"].lower() for p in c["parties"] if p.get("emailAddress")},
            "guests": {p["emailAddress"].lower() for p in c["parties"] if p.get("affiliation") == "External" and p.get("emailAddress")},
            "host": c["metaData"]["primaryUserId"],
        } for c in calls]
        self.users = [u["id"] for u in await walk(client, "list_all_gong_users", {})]

    async def transcript(self, client: Client, meeting_id: str) -> list[tuple[str, bool]]:
        calls = await call(client, "list_all_gong_calls_extensive", {
            "filter": {"callIds": [meeting_id]}, "contentSelector": {"exposedFields": {"parties": True}}})
        external = {p["speakerId"] for p in calls["result"][0]["parties"] if p.get("affiliation") == "External"}
        answer = await call(client, "create_a_gong_calls_transcript", {"filter": {"callIds": [meeting_id]}})
        return [(sentence["text"], monologue["speakerId"] in external)
                for monologue in answer["callTranscripts"][0]["transcript"] for sentence in monologue["sentences"]]


TRUTHS = {"chorus": ChorusTruth, "gong": GongTruth}


def newest_first(meetings: list[dict[str, Any]]) -> list[str]:
    return [m["id"] for m in sorted(meetings, key=lambda m: (m["start"], m["id"]), reverse=True)]


def run_session(sandbox: str, tmp_path: Path, flow: Any) -> None:
    params = StdioServerParameters(command=str(BINARY[0]), args=["serve", "--sandbox", sandbox], env=base_env())

    async def bounded() -> None:
        with open(tmp_path / "stderr.log", "w+", encoding="utf-8") as errlog:
            try:
                with anyio.fail_after(DEADLINE):
                    async with Client(stdio_client(params, errlog=errlog), mode="legacy",
                                      read_timeout_seconds=READ_TIMEOUT, cache=None) as client:
                        truth = TRUTHS[sandbox]()
                        await truth.load(client)
                        await flow(client, truth)
            except BaseException:
                errlog.seek(0)
                print("conduit stderr:\n" + errlog.read())
                raise

    anyio.run(bounded)


BINARY: list[Path] = []


@pytest.fixture(autouse=True)
def _binary(conduit_binary: Path) -> None:
    BINARY[:] = [conduit_binary]


SANDBOXES = ["chorus", "gong"]


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_one_workflow_runs_unchanged_on_each_vendor(sandbox: str, tmp_path: Path) -> None:
    async def flow(client: Client, truth: Truth) -> None:
        # An external attendee who was in more than one meeting, so "latest" means something.
        counts: dict[str, int] = {}
        for meeting in truth.meetings:
            for email in meeting["guests"]:
                counts[email] = counts.get(email, 0) + 1
        attendee = max(sorted(counts), key=lambda e: counts[e])
        assert counts[attendee] >= 1

        meeting, transcript, customer = await latest_meeting_customer_lines(client, attendee.upper())

        expected = newest_first([m for m in truth.meetings if attendee in m["emails"]])[0]
        assert meeting["id"] == expected, f"latest meeting with {attendee}: {meeting['id']}, the stand-in says {expected}"
        assert attendee in {a["email"].lower() for a in meeting["attendees"] if a["email"]}
        assert meeting["source"]["integration"] == sandbox and meeting["source"]["id"] == meeting["id"]
        assert meeting["start_time"].endswith("Z") and isinstance(meeting["duration"], int)
        assert epoch(meeting["end_time"]) - epoch(meeting["start_time"]) == pytest.approx(meeting["duration"], abs=1)

        lines = await truth.transcript(client, meeting["id"])
        assert [s["text"] for s in transcript["segments"]] == [text for text, _ in lines]
        assert customer == [text for text, is_customer in lines if is_customer]
        assert customer, "the stand-in's meeting has customer lines"
        for segment in transcript["segments"]:
            assert segment["speaker_type"] in ("user", "guest", "unknown")
            assert segment["speaker_name"] and segment["speaker_email"]
            assert 0 <= segment["start_time"] <= segment["end_time"]

    run_session(sandbox, tmp_path, flow)


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_walking_meetings_gives_each_once_newest_first(sandbox: str, tmp_path: Path) -> None:
    async def flow(client: Client, truth: Truth) -> None:
        seen = [m["id"] for m in await walk(client, "list_all_meetings", {"limit": 2, "response_fields": ["id"]})]
        assert seen == newest_first(truth.meetings)

        host = truth.meetings[0]["host"]
        hosted = [m["id"] for m in await walk(client, "list_all_meetings", {"user_id": host, "limit": 3})]
        assert hosted == newest_first([m for m in truth.meetings if m["host"] == host]) and hosted

        starts = sorted(m["start"] for m in truth.meetings)
        low, high = starts[len(starts) // 4], starts[3 * len(starts) // 4]
        window = await walk(client, "list_all_meetings", {"start_time_from": iso(low), "start_time_to": iso(high)})
        assert [m["id"] for m in window] == newest_first([m for m in truth.meetings if low <= m["start"] < high])

        one = (await call(client, "list_all_meetings", {"limit": 1, "include_remote_data": True}))["result"][0]
        assert one["remote_data"], "include_remote_data carries the vendor's object"
        assert one["id"] in json.dumps(one["remote_data"])
        got = await call(client, "get_single_meeting_by_id", {"id": one["id"]})
        for field in ("id", "title", "start_time", "end_time", "duration", "attendees", "topics"):
            assert got[field] == one[field], field
        assert "remote_data" not in got

    run_session(sandbox, tmp_path, flow)


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_users_page_and_resolve(sandbox: str, tmp_path: Path) -> None:
    async def flow(client: Client, truth: Truth) -> None:
        users = await walk(client, "list_all_users", {"limit": 3})
        assert [u["id"] for u in users] == truth.users
        for user in users:
            assert set(user) == {"id", "name", "email", "title", "active", "created_at", "source"}
        last = await call(client, "get_single_user_by_id", {"id": users[-1]["id"]})
        assert last == users[-1]
        missing = await client.call_tool("get_single_user_by_id", {"id": "999"})
        assert missing.is_error

    run_session(sandbox, tmp_path, flow)
