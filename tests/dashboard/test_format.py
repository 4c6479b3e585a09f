"""Numbers as a trader reads them."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from v6.dashboard import format as fmt


@pytest.mark.parametrize(
    ("value", "kwargs", "text"),
    [
        (12345.6, {}, "$12,346"),
        (-1234.0, {}, "-$1,234"),
        (0.4, {"signed": True}, "+$0"),
        (-0.4, {}, "$0"),
        (1.5, {"cents": True, "signed": True}, "+$1.50"),
        (None, {}, fmt.MISSING),
        (math.nan, {}, fmt.MISSING),
    ],
)
def test_money(value: float | None, kwargs: dict[str, bool], text: str) -> None:
    assert fmt.money(value, **kwargs) == text


@given(st.floats(-1e9, 1e9, allow_nan=False))
def test_money_reads_back_to_the_dollar(x: float) -> None:
    text = fmt.money(x)
    back = float(text.replace("$", "").replace(",", ""))
    assert abs(back - x) <= 0.5 + 1e-6


def test_percent_greeks_and_prices() -> None:
    assert fmt.pct(0.1234) == "12.3 %"
    assert fmt.pct(0.05, 0, signed=True) == "+5 %"
    assert fmt.delta(24.31) == "+24.3"
    assert fmt.gamma(-0.12345) == "-0.123"
    assert fmt.theta(12.4) == "+$12.40/day"
    assert fmt.vega(-25.384) == "-$25.38/pt"
    assert fmt.price(2.456) == "2.46"
    assert fmt.milliseconds(0.001125) == "1.1 ms"
    assert fmt.milliseconds(0.042) == "42 ms"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(42, "42 s"), (185, "3 m 05 s"), (7620, "2 h 07 m"), (273600, "3 d 04 h"), (-5, "-5 s")],
)
def test_duration(seconds: float, text: str) -> None:
    assert fmt.duration(seconds) == text


def test_times_in_new_york_and_utc() -> None:
    summer = datetime(2026, 7, 1, 14, 30, tzinfo=UTC)
    winter = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    assert fmt.new_york(summer) == "2026-07-01 10:30 ET"
    assert fmt.new_york(winter) == "2026-12-01 09:30 ET"
    assert fmt.utc(winter) == "2026-12-01 14:30:00 UTC"
    assert fmt.both(winter) == "2026-12-01 09:30:00 ET (2026-12-01 14:30:00 UTC)"
    assert fmt.new_york(None) == fmt.MISSING


def test_free_text_cannot_turn_into_markdown() -> None:
    text = "loss $1,234 of the $600 credit: *bold* _it_ :red[x] [link](http://x)"
    escaped = fmt.md(text)
    for special in "$*_[]():":
        assert f"\\{special}" in escaped
    assert escaped.replace("\\", "") == text
