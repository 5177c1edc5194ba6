"""Run the forums service: `python -m forums`."""

import uvicorn

from forums.api.app import create_app
from forums.settings import ForumsSettings


def main() -> None:
    settings = ForumsSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
