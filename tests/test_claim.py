"""The one claim model refuses a claim whose fields contradict each other, saying which and where."""
import pytest

from reform_facts.claim import Claim
from reform_facts.errors import ClaimError

# A figure of corpus/000: "分别给予300万元奖励" (characters 571-576).
GOOD = dict(doc_id="000", start=571, end=576, text="300万元", value=3_000_000.0, unit="元",
            quantity_type="money")

BAD = [
    ({"end": 575}, "span does not match its text"),
    ({"start": 576}, "span does not match its text"),
    ({"unit": "%"}, "unit '%' is not a money unit"),
    ({"value": float("nan")}, "value is not a finite number"),
    ({"value_max": float("inf")}, "value_max is not a finite number"),
    ({"value": None}, "value must be null exactly for a ratio"),
    ({"region_code": "37000"}, "region_code '37000' is not six digits"),
    ({"confidence": 1.5}, "confidence 1.5 outside 0..1"),
]


def test_a_consistent_claim_is_accepted():
    assert Claim(**GOOD).value == 3_000_000.0


@pytest.mark.parametrize(("change", "reason"), BAD, ids=[r for _, r in BAD])
def test_an_inconsistent_claim_is_refused_with_its_place(change, reason):
    fields = GOOD | change
    with pytest.raises(ClaimError) as error:
        Claim(**fields)
    assert str(error.value) == f"000[{fields['start']}:{fields['end']}] '300万元': {reason}"
