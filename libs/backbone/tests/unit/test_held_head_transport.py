"""The writes a response's cycle makes reach the socket as: interim answers at once, the head
joined to the first body write, the rest as they come."""

import asyncio
from typing import cast

from chorus_backbone.response_writes import HeldHeadTransport


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def writelines(self, parts: tuple[bytes, ...]) -> None:
        self.writes.append(b"".join(parts))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def _held(recording: RecordingTransport) -> HeldHeadTransport:
    return HeldHeadTransport(cast(asyncio.Transport, recording))


def test_the_head_leaves_with_the_first_body_write_and_later_writes_follow_alone() -> None:
    recording = RecordingTransport()
    transport = _held(recording)
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert recording.writes == []
    transport.write(b"first")
    transport.write(b"second")
    assert recording.writes == [b"HTTP/1.1 200 OK\r\n\r\nfirst", b"second"]


def test_an_interim_answer_is_not_held() -> None:
    recording = RecordingTransport()
    transport = _held(recording)
    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"body")
    assert recording.writes == [b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 200 OK\r\n\r\nbody"]


def test_a_large_first_body_leaves_with_the_head_too() -> None:
    recording = RecordingTransport()
    transport = _held(recording)
    large = b"x" * (1024 * 1024)
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(large)
    assert recording.writes == [b"HTTP/1.1 200 OK\r\n\r\n" + large]


def test_closing_with_a_head_held_sends_it_first() -> None:
    recording = RecordingTransport()
    transport = _held(recording)
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.close()
    assert recording.writes == [b"HTTP/1.1 200 OK\r\n\r\n"]
    assert transport.is_closing()
