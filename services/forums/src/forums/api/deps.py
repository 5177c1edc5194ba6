"""Dependencies of the forums routes, declared once."""

from typing import Annotated

from fastapi import Depends, Query, Request

from forums.bootstrap import ForumsService


def _service(request: Request) -> ForumsService:
    service: ForumsService = request.app.state.forums
    return service


Forums = Annotated[ForumsService, Depends(_service)]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many items.")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="Skip this many items.")]
