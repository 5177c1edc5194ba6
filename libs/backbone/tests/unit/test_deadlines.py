"""Deadlines on the loop's wheel fire once, never before their time and at most a slot after it."""

import asyncio

from chorus_backbone.deadlines import DeadlineWheel, deadline_wheel

RESOLUTION = 0.05


async def test_a_deadline_fires_once_not_before_its_time_and_within_a_slot_after() -> None:
    loop = asyncio.get_running_loop()
    wheel = DeadlineWheel(loop, RESOLUTION)
    fired: list[float] = []
    when = loop.time() + 0.12
    wheel.call_at(when, lambda: fired.append(loop.time()))
    await asyncio.sleep(0.12 + 3 * RESOLUTION)

    assert len(fired) == 1
    assert when <= fired[0] <= when + RESOLUTION + 0.02


async def test_a_cancelled_deadline_never_fires_and_the_others_still_do() -> None:
    loop = asyncio.get_running_loop()
    wheel = DeadlineWheel(loop, RESOLUTION)
    fired: list[str] = []
    cancelled = wheel.call_later(0.05, lambda: fired.append("cancelled"))
    wheel.call_later(0.05, lambda: fired.append("kept"))
    cancelled.cancel()
    await asyncio.sleep(0.05 + 3 * RESOLUTION)

    assert fired == ["kept"]
    assert wheel.slots == {}, "passed slots are dropped"


async def test_a_sooner_deadline_armed_after_a_later_one_fires_first() -> None:
    loop = asyncio.get_running_loop()
    wheel = DeadlineWheel(loop, RESOLUTION)
    fired: list[str] = []
    wheel.call_later(0.4, lambda: fired.append("later"))
    wheel.call_later(0.05, lambda: fired.append("sooner"))
    await asyncio.sleep(0.05 + 3 * RESOLUTION)
    assert fired == ["sooner"]
    await asyncio.sleep(0.4)

    assert fired == ["sooner", "later"]


async def test_a_failing_callback_is_reported_and_does_not_stop_the_others() -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _, context: reported.append(context))
    wheel = DeadlineWheel(loop, RESOLUTION)
    fired: list[str] = []

    def failing() -> None:
        raise RuntimeError("broken callback")

    wheel.call_later(0.05, failing)
    wheel.call_later(0.05, lambda: fired.append("other"))
    wheel.call_later(0.05 + 2 * RESOLUTION, lambda: fired.append("next slot"))
    await asyncio.sleep(0.05 + 5 * RESOLUTION)
    loop.set_exception_handler(None)

    assert fired == ["other", "next slot"]
    assert [str(context["exception"]) for context in reported] == ["broken callback"]


async def test_each_loop_has_one_wheel() -> None:
    assert deadline_wheel() is deadline_wheel(asyncio.get_running_loop())
