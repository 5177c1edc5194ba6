"""Run the reviews service: `python -m reviews`."""

from chorus_backbone.serve import run
from reviews.api.app import create_app
from reviews.settings import ReviewsSettings


def main() -> None:
    settings = ReviewsSettings()
    run(create_app(settings), settings)


if __name__ == "__main__":
    main()
