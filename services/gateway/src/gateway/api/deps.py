"""Dependencies of the gateway's routes, declared once."""

from typing import Annotated

from fastapi import Depends

from chorus_backbone.app import from_state
from gateway.bootstrap import GatewayParts

Gateway = Annotated[GatewayParts, Depends(from_state("gateway"))]
