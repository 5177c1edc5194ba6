"""The web client in a real browser (Debian's Chromium, headless, driven by Playwright)
against the real system through the gateway: the journey two people walk, an expired
session, and the screenshots the README shows."""

import base64
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.e2e.conftest import System

pytestmark = pytest.mark.integration

CHROMIUM = Path(os.environ.get("CHORUS_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(
    os.environ.get("CHORUS_SCREENSHOTS", Path(__file__).resolve().parents[2] / "docs" / "screenshots")
)
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
PASSWORD = "a-long-and-decent-passphrase"
WAIT_MS = 30_000
expect.set_options(timeout=WAIT_MS)  # a loaded CI machine answers slower than a laptop
# The closed network here refuses Chromium's own background traffic; these keep it quiet.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: ./dev installs Debian's chromium package"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


async def _person(browser: Browser, system: System, viewport: dict[str, int]) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport=viewport, base_url=system.gateway_url)
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    return context, page


async def _sign_up(page: Page, username: str) -> None:
    await page.goto("/#/signup")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


async def _shoot(page: Page, name: str, size: str) -> None:
    os.makedirs(SCREENSHOTS, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=False)


async def _message_ids(page: Page) -> list[int]:
    ids = await page.locator(".log li.message").evaluate_all("items => items.map(i => Number(i.dataset.id))")
    return [int(i) for i in ids]


async def test_two_people_befriend_rate_review_and_talk_live_through_a_network_cut(
    system: System, browser: Browser
) -> None:
    _, ada = await _person(browser, system, DESKTOP)
    bob_context, bob = await _person(browser, system, PHONE)
    await _sign_up(ada, "ada")
    await _sign_up(bob, "bob")

    await _befriend(asker=ada, answerer=bob)
    await _add_rate_and_review(ada)
    await _meet_in_the_album_room(ada, bob)
    await _talk(ada, bob)

    # bob's network is cut; ada keeps talking; bob comes back with nothing lost or doubled.
    await bob_context.set_offline(True)
    await expect(bob.locator(".connection")).to_have_text("Offline: reconnecting…")
    for line in ("are you there?", "the bassline at 2:10", "ok, talk later"):
        await _say(ada, line)
    await bob_context.set_offline(False)
    await expect(bob.locator(".connection")).to_have_text("Back online: you are up to date.")
    await expect(bob.locator(".log")).to_contain_text("ada: ok, talk later")
    await _shoot(bob, "room", "phone")

    ada_ids, bob_ids = await _message_ids(ada), await _message_ids(bob)
    texts = await bob.locator(".log li.message .text").all_inner_texts()
    assert len(ada_ids) == 5
    assert bob_ids == ada_ids  # same messages, same order, none twice
    assert texts == ["hello ada", "hi bob", "are you there?", "the bassline at 2:10", "ok, talk later"]


async def _befriend(asker: Page, answerer: Page) -> None:
    """ada asks; bob sees the pending count and accepts."""
    await asker.get_by_role("link", name="People").click()
    await asker.get_by_label("Find people").fill("bo")
    await asker.get_by_role("button", name="Find").click()
    await asker.get_by_role("button", name="Send friend request").click()
    await expect(asker.get_by_text("Friend request sent to bob.")).to_be_visible()
    await answerer.goto("/#/people")
    await expect(answerer.get_by_role("heading", name="Friend requests (1)")).to_be_visible()
    await expect(answerer.locator("#pending-count")).to_have_text("1")
    await _shoot(answerer, "people", "phone")
    await answerer.get_by_role("button", name="Accept ada's request").click()
    await expect(answerer.get_by_text("You and ada are friends now.")).to_be_visible()


async def _add_rate_and_review(page: Page) -> None:
    """An album added, rated 4.5 with the mouse, reviewed with a spoiler that stays hidden until asked."""
    await page.goto("/#/albums")
    await page.get_by_text("Add an album that is missing").click()
    await page.get_by_label("Title").fill("Blue Lines")
    await page.get_by_label("Artist").fill("Massive Attack")
    await page.locator("#new-year").fill("1991")
    await page.get_by_label("Genres").fill("trip hop")
    await page.get_by_role("button", name="Add album").click()
    await expect(page.get_by_role("heading", name="Blue Lines")).to_be_visible()
    await page.locator('.rating .half[data-score="4.5"]').first.click()
    await expect(page.locator("#album-summary")).to_contain_text("4.50 average from 1 rating")
    await page.get_by_label("Review", exact=True).fill("The last song is the best one.")
    await page.get_by_label("Contains spoilers", exact=True).check()
    await page.get_by_role("button", name="Save review").click()
    reveal = page.get_by_role("button", name="Contains spoilers: show")
    await expect(reveal).to_be_visible()
    await expect(page.locator(".reviews .review-text")).to_be_hidden()
    await reveal.click()
    await expect(page.locator(".reviews .review-text")).to_have_text("The last song is the best one.")
    await _shoot(page, "album", "desktop")


async def _meet_in_the_album_room(opener: Page, friend: Page) -> None:
    """ada opens the album's room; bob finds it among rooms his friends are in and joins."""
    await opener.get_by_role("button", name="Open a live room about this album").click()
    await expect(opener.locator(".connection")).to_have_text("Live")
    await friend.goto("/#/rooms")
    await friend.get_by_label("Only rooms my friends are in").check()
    await friend.get_by_role("button", name="Show rooms").click()
    await expect(friend.get_by_text("Friends here")).to_be_visible()
    await _shoot(friend, "rooms", "phone")
    await friend.get_by_role("link", name=re.compile("Blue Lines")).click()
    await expect(friend.locator(".connection")).to_have_text("Live")
    await expect(opener.locator(".members")).to_contain_text("bob")
    await expect(friend.locator(".members")).to_contain_text("ada")


async def _say(page: Page, line: str) -> None:
    await page.get_by_label("Message", exact=True).fill(line)
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".log")).to_contain_text(f": {line}")


async def _talk(ada: Page, bob: Page) -> None:
    """Typing shows on the other side, chat goes both ways, a rating from the room arrives live."""
    await bob.get_by_label("Message", exact=True).press_sequentially("hello ada", delay=20)
    await expect(ada.locator(".typing")).to_have_text("bob is typing…")
    await bob.get_by_role("button", name="Send").click()
    await expect(ada.locator(".log")).to_contain_text("bob: hello ada")
    await _say(ada, "hi bob")
    await expect(bob.locator(".log")).to_contain_text("ada: hi bob")
    await bob.locator('.room-rate .half[data-score="3.5"]').click()
    await expect(ada.locator(".log .rating-event")).to_contain_text("bob rated the album 3.5")
    await expect(ada.locator(".log .album-average").last).to_contain_text("now 4.00 from 2 ratings")
    await _shoot(ada, "room", "desktop")


async def test_pages_at_phone_and_desktop_size_and_a_keyboard_rating(
    system: System, browser: Browser
) -> None:
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        _, page = await _person(browser, system, viewport)
        await _sign_up(page, f"kim{size}")
        await page.goto("/#/albums")
        await page.get_by_text("Add an album that is missing").click()
        await page.get_by_label("Title").fill(f"Mezzanine ({size})")
        await page.get_by_label("Artist").fill("Massive Attack")
        await page.get_by_role("button", name="Add album").click()
        await expect(page.get_by_role("heading", name=f"Mezzanine ({size})")).to_be_visible()

        slider = page.get_by_role("slider", name="Your rating")
        await slider.focus()
        for key in ("End", "ArrowLeft", "ArrowLeft", "Enter"):  # 5 → 4.5 → 4, saved
            await page.keyboard.press(key)
        await expect(page.locator("#my-rating-status")).to_have_text("Your rating: 4")
        await expect(slider).to_have_attribute("aria-valuenow", "4")
        await page.goto("/#/albums")
        await expect(page.get_by_role("link", name=re.compile(f"Mezzanine \\({size}\\)"))).to_be_visible()
        await _shoot(page, "albums", size)
        await page.goto("/#/signin")
        await page.get_by_role("button", name="Sign out").click()
        await page.goto("/#/signin")
        await _shoot(page, "signin", size)


def _token_with_claims(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


async def test_an_expired_or_refused_token_sends_the_person_back_to_sign_in(
    system: System, browser: Browser
) -> None:
    _, page = await _person(browser, system, DESKTOP)
    await _sign_up(page, "maya")

    expired = {"token": _token_with_claims({"sub": "1", "exp": 1}), "exp": 1, "id": 1, "username": "maya"}
    await page.goto("/#/people")
    await page.evaluate("s => sessionStorage.setItem('chorus.session', s)", orjson.dumps(expired).decode())
    await page.reload()
    await expect(page.get_by_text("Your session has expired. Please sign in again.")).to_be_visible()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    forged = {
        "token": _token_with_claims({"sub": "1", "exp": 4102444800}),
        "exp": 4102444800,
        "id": 1,
        "username": "maya",
    }
    await page.evaluate("s => sessionStorage.setItem('chorus.session', s)", orjson.dumps(forged).decode())
    await page.goto("/?with-a-forged-token#/feed")  # a new page load, straight to the feed
    await expect(page.get_by_text("Your session has expired. Please sign in again.")).to_be_visible()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    await page.get_by_label("Username").fill("maya")
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#notice")).to_have_attribute("data-kind", "error")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(
        page.get_by_role("heading", name="Friends feed")
    ).to_be_visible()  # back where they were going
