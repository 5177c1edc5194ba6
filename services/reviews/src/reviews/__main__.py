"""Run the reviews service: `python -m reviews`."""

import uvicorn

from reviews.api.app import create_app
from reviews.settings import ReviewsSettings


def main() -> None:
    settings = ReviewsSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
