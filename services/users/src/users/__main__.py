"""Run the users service: `python -m users`."""

import uvicorn

from users.api.app import create_app
from users.settings import UsersSettings


def main() -> None:
    settings = UsersSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
