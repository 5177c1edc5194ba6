import pytest

from chorus_backbone.errors import ChorusError
from reviews.domain.scores import average, bucket_labels, check_review_text, to_half_stars


@pytest.mark.parametrize(("score", "half_stars"), [(0.5, 1), (3.0, 6), (4.5, 9), (5, 10)])
def test_scores_on_the_half_star_scale_map_to_whole_half_stars(score: float, half_stars: int) -> None:
    assert to_half_stars(score) == half_stars


@pytest.mark.parametrize("score", [0, 0.4, 1.25, 5.5, -0.5])
def test_scores_off_the_scale_are_refused(score: float) -> None:
    with pytest.raises(ChorusError):
        to_half_stars(score)


def test_the_average_is_in_stars_rounded_and_zero_for_no_ratings() -> None:
    assert average(half_star_sum=19, count=3) == 3.17
    assert average(half_star_sum=0, count=0) == 0.0


def test_the_histogram_has_ten_buckets_from_half_a_star_to_five() -> None:
    assert bucket_labels() == ["0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"]


def test_blank_review_text_is_no_review() -> None:
    assert check_review_text("   ") is None
    assert check_review_text(" great ") == "great"
