"""The whole Chorus system for the scenarios that go through the gateway, plus signed-in users."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from chorus_bench.harness import load_generator
from chorus_bench.system import (
    FORUMS_BENCH_SETTINGS,
    GATEWAY_BENCH_SETTINGS,
    Running,
    chorus_service,
    start_parts,
)
from chorus_devinfra.process import free_port
from chorus_devinfra.stack import Stack

# Kafka's JVM compiles its hot paths during its first minute under load: measured on a fresh
# system, its compiler threads took more of the shared core per rating than its request
# handlers did (8 ms against 3 ms per rating, 1.5 ms once warm), slowing every other part.
WARM_UP_SECONDS = 30.0


@dataclass
class ChorusSystem:
    stack: Stack
    gateway: str
    urls: dict[str, str]

    def user_token(self, username: str) -> str:
        credentials = {"username": username, "password": "correct horse battery staple"}
        signup = httpx.post(f"{self.gateway}/api/users/auth/signup", json=credentials, timeout=60)
        if signup.status_code not in (200, 201, 409):
            raise RuntimeError(f"signup failed: {signup.status_code} {signup.text}")
        response = httpx.post(f"{self.gateway}/api/users/auth/signin", json=credentials, timeout=60)
        if response.status_code != 200:
            raise RuntimeError(f"signin failed: {response.status_code} {response.text}")
        return str(response.json()["auth_token"])

    def rate(self, token_file: Path, *, albums: int, seconds: float) -> dict[str, Any]:
        """The ratings load generator's result: one rater per token in ``token_file``, flat out."""
        return load_generator(
            "chorus_bench.loadgen.ratings",
            "--gateway",
            self.gateway,
            "--token-file",
            str(token_file),
            "--albums",
            str(albums),
            "--duration",
            str(seconds),
        )

    def warm_up(self, state: Path, tokens: list[str] | None = None, *, albums: int = 20) -> dict[str, float]:
        """Ratings through the whole system for ``WARM_UP_SECONDS``, not measured, so that figures
        are of the steady state; by ``tokens`` (eight new users when none are given). Every rater's
        last score per album (keys as the ratings load generator's)."""
        token_file = state / "tokens-warm-up.txt"
        chosen = tokens if tokens is not None else [self.user_token(f"warm-up-{i}") for i in range(8)]
        token_file.write_text("\n".join(chosen))
        return dict(self.rate(token_file, albums=albums, seconds=WARM_UP_SECONDS)["final"])


def start_chorus(run: Running, *, forums_replicas: int = 1, analytics: bool = False) -> ChorusSystem:
    """Users, reviews, forums (``forums_replicas`` of them) and the gateway; analytics too when asked
    (``./dev up`` runs everything)."""
    stores = ("users", "reviews", "forums", "analytics") if analytics else ("users", "reviews", "forums")
    stack = start_parts(run, stores=stores)
    users = chorus_service(run, stack, "users", store="users", extra={"GRPC_PORT": str(free_port())})
    reviews = chorus_service(run, stack, "reviews", store="reviews")
    urls = {"users": users, "reviews": reviews}
    forums = [
        chorus_service(
            run, stack, "forums", name=f"forums-{number}", store="forums", extra=FORUMS_BENCH_SETTINGS
        )
        for number in range(1, forums_replicas + 1)
    ]
    urls["forums"] = forums[0]
    urls.update({f"forums-{number}": url for number, url in enumerate(forums, start=1)})
    if analytics:
        urls["analytics"] = chorus_service(run, stack, "analytics", store="analytics", arguments=("run",))
    gateway = chorus_service(
        run,
        stack,
        "gateway",
        extra={
            **GATEWAY_BENCH_SETTINGS,
            "USERS_URL": users,
            "REVIEWS_URL": reviews,
            "FORUMS_URLS": orjson.dumps(forums).decode(),
            "GRPC_PORT": str(free_port()),
        },
    )
    urls["gateway"] = gateway
    return ChorusSystem(stack, gateway, urls)
