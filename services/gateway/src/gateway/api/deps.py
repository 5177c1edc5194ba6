"""Dependencies of the gateway's routes, declared once."""

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from gateway.bootstrap import GatewayParts


def _parts(connection: HTTPConnection) -> GatewayParts:
    parts: GatewayParts = connection.app.state.gateway
    return parts


Gateway = Annotated[GatewayParts, Depends(_parts)]
