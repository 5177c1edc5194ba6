"""Half-star scores: 0.5 to 5.0 in steps of 0.5, stored as whole half-stars (1 to 10)."""

from chorus_backbone.errors import ChorusError, ErrorKind

MIN_HALF_STARS = 1
MAX_HALF_STARS = 10
MIN_SCORE = MIN_HALF_STARS / 2
MAX_SCORE = MAX_HALF_STARS / 2
SCORE_STEP = 0.5
REVIEW_TEXT_MAX = 10_000


def to_half_stars(score: float) -> int:
    """The score in half-stars; refuses anything off the half-star scale."""
    doubled = score * 2
    # The range first: an infinite or NaN score fails it before it is made an integer.
    if not MIN_HALF_STARS <= doubled <= MAX_HALF_STARS or doubled != int(doubled):
        raise ChorusError(ErrorKind.INVALID, "invalid_score", "a score is 0.5 to 5.0 in steps of 0.5")
    return int(doubled)


def to_score(half_stars: int) -> float:
    return half_stars / 2


def average(half_star_sum: int, count: int) -> float:
    """The mean score, rounded to two decimals and kept on the scale; 0 for an album nobody rated.

    Folded out of order, a rating's later change can arrive before its first one:
    the sums are then briefly off the scale, and exact again once both are in.
    """
    if count <= 0:
        return 0.0
    return min(MAX_HALF_STARS / 2, max(MIN_HALF_STARS / 2, round(half_star_sum / 2 / count, 2)))


def bucket_labels() -> list[str]:
    return [f"{to_score(half):.1f}" for half in range(MIN_HALF_STARS, MAX_HALF_STARS + 1)]


def check_review_text(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if len(text) > REVIEW_TEXT_MAX:
        raise ChorusError(
            ErrorKind.INVALID, "review_too_long", f"a review is at most {REVIEW_TEXT_MAX} characters"
        )
    return text or None
