"""Run the users service: `python -m users`."""

from chorus_backbone.serve import run
from users.api.app import create_app
from users.settings import UsersSettings


def main() -> None:
    settings = UsersSettings()
    run(create_app(settings), settings)


if __name__ == "__main__":
    main()
