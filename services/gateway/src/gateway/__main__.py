"""Run the gateway: `python -m gateway`."""

from chorus_backbone.serve import run
from gateway.api.app import create_app
from gateway.settings import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    run(create_app(settings), host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
