"""Run the forums service: `python -m forums`."""

from chorus_backbone.serve import run
from forums.api.app import create_app
from forums.settings import ForumsSettings


def main() -> None:
    settings = ForumsSettings()
    run(create_app(settings), settings)


if __name__ == "__main__":
    main()
