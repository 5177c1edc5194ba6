"""Run the gateway: `python -m gateway`."""

from chorus_backbone.serve import run
from gateway.api.app import create_app
from gateway.settings import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    run(create_app(settings), settings)


if __name__ == "__main__":
    main()
