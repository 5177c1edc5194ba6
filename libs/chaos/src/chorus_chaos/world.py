"""What the load needs before it starts, made through the gateway: accounts, albums, rooms."""

import asyncio
from dataclasses import dataclass, field

import httpx

from chorus_devinfra.probes import eventually

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def sign_up(http: httpx.AsyncClient, username: str) -> Account:
    credentials = {"username": username, "password": PASSWORD}
    (await http.post("/api/users/auth/signup", json=credentials)).raise_for_status()
    signed = (await http.post("/api/users/auth/signin", json=credentials)).raise_for_status()
    token = str(signed.json()["auth_token"])
    me = (await http.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})).raise_for_status()
    return Account(int(me.json()["id"]), username, token)


async def add_album(http: httpx.AsyncClient, owner: Account, title: str) -> int:
    response = await http.post(
        "/api/music/albums", json={"title": title, "artist": "The Chaos Ensemble"}, headers=owner.headers
    )
    return int(response.raise_for_status().json()["id"])


async def open_room(http: httpx.AsyncClient, creator: Account, album_id: int) -> int:
    """A room about ``album_id``, retried while a part is away (the load keeps running meanwhile)."""

    async def create() -> httpx.Response | None:
        try:
            return await http.post("/api/games/create", json={"album_id": album_id}, headers=creator.headers)
        except httpx.HTTPError:
            return None

    response = await eventually(
        create, lambda answer: answer is not None and answer.status_code == 200, timeout=120, interval=0.5
    )
    assert response is not None
    return int(response.json()["lobby_id"])


@dataclass
class RoomSlot:
    """One conversation about an album; it moves to a new room when its room closes.

    A room closes when its last member leaves, which a crash of the gateway makes every
    member do at once; the conversation then goes on in a fresh room about the same album.
    """

    album_id: int
    creator: Account
    room_id: int
    rooms: list[int] = field(default_factory=list)
    _moving: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.rooms.append(self.room_id)

    async def reopen(self, http: httpx.AsyncClient, closed_room: int) -> int:
        """The room to go to after ``closed_room`` closed (opened once, whoever asks first)."""
        async with self._moving:
            if self.room_id == closed_room:
                self.room_id = await open_room(http, self.creator, self.album_id)
                self.rooms.append(self.room_id)
            return self.room_id


@dataclass
class World:
    raters: list[Account]
    befrienders: list[Account]
    talkers: list[list[Account]]  # per room slot
    albums: list[int]
    slots: list[RoomSlot]


async def build_world(
    http: httpx.AsyncClient, *, raters: int, befrienders: int, rooms: int, talkers_per_room: int
) -> World:
    async def accounts(kind: str, count: int) -> list[Account]:
        return list(await asyncio.gather(*(sign_up(http, f"{kind}{n}") for n in range(count))))

    rating = await accounts("rater", raters)
    befriending = await accounts("friend", befrienders)
    talking = [await accounts(f"room{slot}talker", talkers_per_room) for slot in range(rooms)]
    albums = [await add_album(http, rating[0], f"Album {n}") for n in range(max(rooms, 3))]
    slots = [
        RoomSlot(albums[n], talking[n][0], await open_room(http, talking[n][0], albums[n]))
        for n in range(rooms)
    ]
    return World(rating, befriending, talking, albums, slots)
