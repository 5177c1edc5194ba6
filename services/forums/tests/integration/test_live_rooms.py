"""Live rooms with real WebSocket clients on two forums replicas."""

import asyncio

import pytest
from prometheus_client import REGISTRY

from chorus_devinfra.serving import serving
from forums.api.app import create_app
from forums.testing import ForumsApi, RoomClient

pytestmark = pytest.mark.integration


async def test_a_joining_member_gets_the_room_the_members_and_the_history(forums_api: ForumsApi) -> None:
    room_id = await forums_api.open_room(1, title="Late night jazz")
    ada, welcome_ada = await forums_api.join(room_id, 1)
    for text in ("one", "two", "three"):
        await ada.say(text)
    await ada.messages(3)

    bob, welcome = await forums_api.join(room_id, 2, replica=1)

    assert welcome_ada["history"] == []
    assert welcome["room"]["title"] == "Late night jazz"
    assert [m["text"] for m in welcome["history"]] == ["one", "two", "three"]
    assert [m["id"] for m in welcome["history"]] == [1, 2, 3]
    assert {m["id"] for m in welcome["members"]} == {1, 2}
    assert welcome["history"][0]["user"] == {"id": 1, "username": "user1"}
    await ada.close()
    await bob.close()


async def test_messages_reach_every_member_on_every_replica_in_order_without_duplicates(
    forums_api: ForumsApi,
) -> None:
    room_id = await forums_api.open_room(1)
    ada, _ = await forums_api.join(room_id, 1, replica=0)
    bob, _ = await forums_api.join(room_id, 2, replica=1)

    async def chatter(client: object, name: str) -> None:
        for index in range(10):  # within a member's burst allowance
            await client.say(f"{name}-{index}")  # type: ignore[attr-defined]

    await asyncio.gather(chatter(ada, "ada"), chatter(bob, "bob"))
    seen_by_ada = await ada.messages(20)
    seen_by_bob = await bob.messages(20)

    assert [m["id"] for m in seen_by_ada] == list(range(1, 21))
    assert seen_by_ada == seen_by_bob
    assert [m["text"] for m in seen_by_ada if m["text"].startswith("ada")] == [f"ada-{i}" for i in range(10)]
    await ada.close()
    await bob.close()


async def test_a_member_who_reconnects_with_since_gets_exactly_what_they_missed(
    forums_api: ForumsApi,
) -> None:
    room_id = await forums_api.open_room(1)
    ada, _ = await forums_api.join(room_id, 1)
    bob, _ = await forums_api.join(room_id, 2, replica=1)
    await ada.say("before")
    last_seen = (await bob.messages(1))[0]["id"]
    await bob.close()
    for text in ("missed-1", "missed-2"):
        await ada.say(text)
    await ada.messages(3)  # "before" and the two bob misses, all stored by now

    bob, welcome = await forums_api.join(room_id, 2, replica=0, since=last_seen)
    await ada.say("after")
    live = await bob.messages(1)

    assert [m["text"] for m in welcome["history"]] == ["missed-1", "missed-2"]
    assert [m["text"] for m in live] == ["after"]
    assert live[0]["id"] == welcome["history"][-1]["id"] + 1
    await ada.close()
    await bob.close()


async def test_the_creator_deletes_and_mutes_and_anyone_reports(forums_api: ForumsApi) -> None:
    room_id = await forums_api.open_room(1)
    owner, _ = await forums_api.join(room_id, 1)
    guest, _ = await forums_api.join(room_id, 2, replica=1)
    await guest.say("something rude")
    [rude] = await owner.messages(1)

    await guest.send({"type": "delete", "message_id": rude["id"]})
    refused = await guest.next_of("error")
    await guest.send({"type": "report", "message_id": rude["id"], "reason": "rude"})
    reported = await guest.next_of("reported")
    await owner.send({"type": "delete", "message_id": rude["id"]})
    deleted = await guest.next_of("deleted")
    await owner.send({"type": "mute", "user_id": 2, "minutes": 5})
    await guest.next_of("muted")
    await guest.say("let me speak")
    muted = await guest.next_of("error")
    late, late_welcome = await forums_api.join(room_id, 3)

    assert refused["code"] == "not_creator"
    assert reported["message_id"] == rude["id"]
    assert deleted["message_id"] == rude["id"]
    assert muted["code"] == "muted"
    assert late_welcome["history"] == []  # deleted messages are gone from history
    for client in (owner, guest, late):
        await client.close()


async def test_history_on_join_is_bounded_to_the_latest_messages(forums_api: ForumsApi) -> None:
    short = forums_api.settings.model_copy(update={"history_on_join": 2})
    room_id = await forums_api.open_room(1)
    ada, _ = await forums_api.join(room_id, 1)
    for text in ("a", "b", "c"):
        await ada.say(text)
    await ada.messages(3)
    async with serving(create_app(short)) as url:
        forums_api.urls.append(url)
        bob, welcome = await forums_api.join(room_id, 2, replica=2)
        await bob.close()

    assert [m["text"] for m in welcome["history"]] == ["b", "c"]
    await ada.close()


async def test_typing_reaches_the_other_members_but_not_the_typist(forums_api: ForumsApi) -> None:
    room_id = await forums_api.open_room(1)
    ada, _ = await forums_api.join(room_id, 1)
    bob, _ = await forums_api.join(room_id, 2, replica=1)

    await ada.send({"type": "typing"})
    typing = await bob.next_of("typing")
    await ada.say("done typing")
    seen_by_ada = [await ada.receive()]
    while seen_by_ada[-1]["type"] != "message":
        seen_by_ada.append(await ada.receive())

    assert typing == {"type": "typing", "user": {"id": 1, "username": "user1"}}
    assert seen_by_ada[-1]["text"] == "done typing"
    assert "typing" not in [frame["type"] for frame in seen_by_ada]
    await ada.close()
    await bob.close()


async def test_a_busy_room_commits_its_messages_together_each_once_in_one_order(
    forums_api: ForumsApi,
) -> None:
    room_id = await forums_api.open_room(1)
    members = [(await forums_api.join(room_id, user, replica=user % 2))[0] for user in range(1, 9)]
    stored_before = _sample("chorus_forums_message_batch_size_sum")
    transactions_before = _sample("chorus_forums_message_batch_size_count")

    async def chatter(user: int, member: RoomClient) -> None:
        for n in range(5):
            await member.say(f"{user}-{n}")

    await asyncio.gather(*(chatter(user, member) for user, member in enumerate(members)))
    seen = [await member.messages(40) for member in members]

    assert _sample("chorus_forums_message_batch_size_sum") - stored_before == 40
    assert _sample("chorus_forums_message_batch_size_count") - transactions_before < 40  # batches formed
    assert [m["id"] for m in seen[0]] == list(range(1, 41))
    assert all(view == seen[0] for view in seen)
    assert sorted(m["text"] for m in seen[0]) == sorted(f"{u}-{n}" for u in range(8) for n in range(5))
    for member in members:
        await member.close()


def _sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0
