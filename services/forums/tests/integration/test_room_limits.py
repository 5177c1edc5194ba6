"""Presence, room life cycle and every limit of the live rooms."""

import asyncio
import os
import sys

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chorus_devinfra.probes import eventually, read_topic
from chorus_devinfra.process import free_port
from chorus_devinfra.serving import serving
from chorus_schemas import Envelope, Topic, TopicNames
from chorus_schemas.live_room import CloseCode
from forums.api.app import create_app
from forums.settings import ForumsSettings
from forums.testing import ForumsApi, RoomClient

pytestmark = pytest.mark.integration


async def test_presence_follows_members_and_the_room_closes_when_the_last_one_leaves(
    forums_api: ForumsApi,
) -> None:
    room_id = await forums_api.open_room(1)
    ada, _ = await forums_api.join(room_id, 1)
    bob, _ = await forums_api.join(room_id, 2, replica=1)
    both = await ada.presence_of({1, 2})
    await bob.close()
    alone = await ada.presence_of({1})
    await ada.close()
    topic = TopicNames(forums_api.settings.topic_prefix).name(Topic.FORUMS_EVENTS)
    records = await eventually(  # everything up to the room's closing
        lambda: read_topic(forums_api.settings.kafka_bootstrap, topic, count=100, timeout=1),
        lambda found: any(Envelope.from_bytes(r.value).type == "forums.RoomClosed" for r in found),
    )
    # The relay publishes at least once (consumers drop a repeat by its event id): each event once.
    events = {envelope.id: envelope for envelope in (Envelope.from_bytes(r.value) for r in records)}
    types = [envelope.type for envelope in events.values()]

    with pytest.raises(ConnectionClosed) as gone:
        await forums_api.join(room_id, 3)
    assert gone.value.rcvd is not None
    assert gone.value.rcvd.code == CloseCode.UNKNOWN_ROOM

    assert {m["id"] for m in both["members"]} == {1, 2}
    assert [m["id"] for m in alone["members"]] == [1]
    assert types[0] == "forums.RoomOpened"
    assert types.count("forums.MemberJoined") == 2
    assert types.count("forums.MemberLeft") == 2
    assert types[-1] == "forums.RoomClosed"


async def test_members_of_a_replica_that_dies_expire_from_the_room(
    forums_api: ForumsApi, forums_settings: ForumsSettings
) -> None:
    room_id = await forums_api.open_room(1)
    ada, _ = await forums_api.join(room_id, 1)
    port = free_port()
    prefix = "CHORUS_FORUMS_"
    env = {
        **os.environ,
        **{
            f"{prefix}{key.upper()}": str(value)
            for key, value in forums_settings.model_dump().items()
            if value is not None
            and not isinstance(value, dict | list)
            and key not in {"jwt_secret", "service_token_secret"}
        },
        f"{prefix}JWT_SECRET": forums_settings.jwt_secret.get_secret_value(),
        f"{prefix}PORT": str(port),
    }
    doomed = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "forums",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        forums_api.urls.append(f"http://127.0.0.1:{port}")
        for _ in range(100):  # wait for the replica to listen
            try:
                await forums_api.join(room_id, 2, replica=2)
                break
            except OSError:
                await asyncio.sleep(0.2)
        await ada.presence_of({1, 2})
    finally:
        doomed.kill()  # the replica dies without a word to anyone
        await doomed.wait()

    expired = await ada.presence_of({1}, timeout=20)
    assert expired["members"] == [{"id": 1, "username": "user1"}]
    await ada.close()


async def _refused_with(url: str) -> int | None:
    """The close code a socket turned away at once gets (the contract's codes, readable by a browser)."""
    async with connect(url, open_timeout=5) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            await socket.recv()
    return closed.value.rcvd.code if closed.value.rcvd else None


async def test_bad_tokens_unknown_rooms_and_full_rooms_are_turned_away_with_their_close_codes(
    forums_api: ForumsApi, forums_settings: ForumsSettings
) -> None:
    room_id = await forums_api.open_room(1)
    base = forums_api.urls[0].replace("http://", "ws://") + "/api/games/wss/lobby/"
    url = f"{base}{room_id}"
    token = forums_api.token(1)
    assert await _refused_with(f"{url}?token=forged") == CloseCode.UNAUTHORIZED
    assert await _refused_with(url) == CloseCode.UNAUTHORIZED
    assert await _refused_with(f"{base}999999?token={token}") == CloseCode.UNKNOWN_ROOM
    assert await _refused_with(f"{url}?token={token}&since=nope") == CloseCode.POLICY

    small = forums_settings.model_copy(update={"max_members_per_room": 1})
    async with serving(create_app(small)) as tiny:
        forums_api.urls.append(tiny)
        first, _ = await forums_api.join(room_id, 1, replica=2)
        full = (
            tiny.replace("http://", "ws://") + f"/api/games/wss/lobby/{room_id}?token={forums_api.token(2)}"
        )
        assert await _refused_with(full) == CloseCode.ROOM_FULL
        await first.close()


async def test_bad_frames_get_error_frames_and_sustained_abuse_closes_the_socket(
    forums_api: ForumsApi,
) -> None:
    room_id = await forums_api.open_room(1)
    ada, _ = await forums_api.join(room_id, 1)
    settings = forums_api.settings

    await ada.connection.send("{not json")
    not_json = await ada.next_of("error")
    await ada.send({"type": "dance"})
    unknown = await ada.next_of("error")
    await ada.say("x" * (settings.max_message_chars + 1))
    too_long = await ada.next_of("error")
    await ada.say("y" * (settings.max_frame_bytes + 10))
    too_big = await ada.next_of("error")
    await ada.send({"type": "rate", "score": 4.0})  # this room has no album
    no_album = await ada.next_of("error")

    assert (not_json["code"], unknown["code"], too_long["code"]) == (
        "bad_frame",
        "bad_frame",
        "message_too_long",
    )
    assert (too_big["code"], no_album["code"]) == ("frame_too_large", "no_album")
    for _ in range(settings.bad_frames_before_close + 1):
        await ada.connection.send("garbage")
    with pytest.raises(ConnectionClosed) as closed:
        await _drain(ada)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == CloseCode.POLICY


async def _drain(client: RoomClient) -> None:
    while True:
        await client.receive()


async def test_a_member_sending_too_fast_is_told_to_slow_down(forums_api: ForumsApi) -> None:
    room_id = await forums_api.open_room(1)
    ada, _ = await forums_api.join(room_id, 1)

    for index in range(forums_api.settings.message_burst + 3):
        await ada.say(f"spam {index}")
    slowed = await ada.next_of("error")

    assert slowed["code"] == "slow_down"
    await ada.close()


async def test_a_user_may_hold_only_so_many_open_rooms(forums_api: ForumsApi) -> None:
    for _ in range(forums_api.settings.max_open_rooms_per_user):
        await forums_api.open_room(5)

    refused = await forums_api.client.post("/api/games/create", headers=forums_api.user(5))
    unknown_album = await forums_api.client.post(
        "/api/games/create", json={"album_id": 999999}, headers=forums_api.user(6)
    )

    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "too_many_open_rooms")
    assert (unknown_album.status_code, unknown_album.json()["error"]["code"]) == (404, "unknown_album")
