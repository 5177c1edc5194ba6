"""Dependencies of the forums routes, declared once."""

from typing import Annotated

from fastapi import Depends, Query

from chorus_backbone.app import from_state
from forums.handlers.records import Records
from forums.handlers.rooms import Rooms

RoomsHandler = Annotated[Rooms, Depends(from_state("rooms"))]
RecordsHandler = Annotated[Records, Depends(from_state("records"))]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many items.")]
Offset = Annotated[int, Query(ge=0, le=10_000, description="Skip this many items.")]
