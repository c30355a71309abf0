"""The overall verdict's rule: only kept counts as kept; the worst broken promise has the most items in breach."""

from __future__ import annotations

import pytest

from pipelines.report.kit.verdicts import (
    KEPT,
    NOT_ASSESSABLE,
    NOT_CHECKED,
    NOT_COMPUTABLE,
    NOT_KEPT,
    Promise,
    tally,
)


def test_not_assessable_not_checked_and_not_computable_are_not_kept():
    result = tally(
        [
            Promise("a", KEPT, 0),
            Promise("b", NOT_KEPT, 5),
            Promise("c", NOT_ASSESSABLE, 0),
            Promise("d", NOT_CHECKED, None),
            Promise("e", NOT_KEPT, 9),
            Promise("f", NOT_COMPUTABLE, None),
        ]
    )
    assert (result.kept, result.not_kept, result.not_judged, result.total) == (1, 2, 3, 6)
    assert result.worst == Promise("e", NOT_KEPT, 9)
    assert result.verdict == NOT_KEPT


def test_a_tie_goes_to_the_first_and_an_unknown_count_ranks_last():
    assert tally([Promise("a", NOT_KEPT, 4), Promise("b", NOT_KEPT, 4)]).worst.key == "a"
    assert tally([Promise("a", NOT_KEPT, None), Promise("b", NOT_KEPT, 0)]).worst.key == "b"
    assert tally([Promise("a", NOT_KEPT, None)]).worst.key == "a"


@pytest.mark.parametrize(
    "verdicts,overall",
    [
        ([KEPT, KEPT], KEPT),
        ([KEPT, NOT_ASSESSABLE], NOT_ASSESSABLE),  # one not judged: not "all kept"
        ([KEPT, NOT_CHECKED], NOT_ASSESSABLE),
        ([NOT_ASSESSABLE, NOT_ASSESSABLE], NOT_ASSESSABLE),
        ([KEPT, NOT_KEPT, NOT_CHECKED], NOT_KEPT),
        ([], NOT_ASSESSABLE),
    ],
)
def test_overall_verdict(verdicts, overall):
    result = tally(Promise(str(i), v) for i, v in enumerate(verdicts))
    assert result.verdict == overall
    assert result.worst is None or result.worst.verdict == NOT_KEPT
