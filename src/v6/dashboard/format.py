"""Numbers and times the way a trader reads them: dollars with thousands separators and a
sign where it matters, percentages, Greeks at sensible precision, durations as "3 m 05 s",
times in New York with UTC beside them. Pure functions; None always renders as "–".
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
MISSING = "–"


def _bad(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def money(x: float | None, *, cents: bool = False, signed: bool = False) -> str:
    """$12,345 (or $12,345.67); negative as -$1,234; ``signed`` adds + to gains."""
    if _bad(x):
        return MISSING
    assert x is not None
    body = f"${abs(x):,.2f}" if cents else f"${abs(x):,.0f}"
    if x < 0 and body.strip("$0.,") != "":
        return f"-{body}"
    return f"+{body}" if signed and x > 0 else body


def pct(x: float | None, digits: int = 1, *, signed: bool = False) -> str:
    """A fraction as a percentage: 0.1234 -> 12.3 %."""
    if _bad(x):
        return MISSING
    assert x is not None
    sign = "+" if signed and x > 0 else ""
    return f"{sign}{x * 100:.{digits}f} %"


def number(x: float | None, digits: int = 2, *, signed: bool = False) -> str:
    if _bad(x):
        return MISSING
    assert x is not None
    return f"{x:+,.{digits}f}" if signed else f"{x:,.{digits}f}"


def delta(x: float | None) -> str:
    """Position delta in share-equivalents, one decimal: +24.3."""
    return number(x, 1, signed=True)


def gamma(x: float | None) -> str:
    """Position gamma (share-equivalents per $1): three decimals."""
    return number(x, 3, signed=True)


def theta(x: float | None) -> str:
    """Theta in dollars per day: +$12.40/day."""
    return MISSING if _bad(x) else f"{money(x, cents=True, signed=True)}/day"


def vega(x: float | None) -> str:
    """Vega in dollars per volatility point: -$25.38/pt."""
    return MISSING if _bad(x) else f"{money(x, cents=True, signed=True)}/pt"


def price(x: float | None) -> str:
    """An option or underlying price per share: 2 decimals, no currency sign."""
    return number(x, 2)


def duration(seconds: float | None) -> str:
    """42 s, 3 m 05 s, 2 h 07 m, 3 d 04 h."""
    if _bad(seconds):
        return MISSING
    assert seconds is not None
    s = round(abs(seconds))
    sign = "-" if seconds < 0 else ""
    if s < 60:
        return f"{sign}{s} s"
    if s < 3600:
        return f"{sign}{s // 60} m {s % 60:02d} s"
    if s < 86400:
        return f"{sign}{s // 3600} h {s % 3600 // 60:02d} m"
    return f"{sign}{s // 86400} d {s % 86400 // 3600:02d} h"


def milliseconds(seconds: float | None) -> str:
    """A short duration in ms: 1.1 ms, 42 ms, 1,250 ms."""
    if _bad(seconds):
        return MISSING
    assert seconds is not None
    ms = seconds * 1000.0
    return f"{ms:.1f} ms" if ms < 10 else f"{ms:,.0f} ms"


def new_york(ts: datetime | None, *, seconds: bool = False) -> str:
    """2026-11-20 15:55 ET."""
    if ts is None:
        return MISSING
    fmt = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return f"{ts.astimezone(NEW_YORK).strftime(fmt)} ET"


def utc(ts: datetime | None, *, seconds: bool = True) -> str:
    """2026-11-20 20:55:00 UTC."""
    if ts is None:
        return MISSING
    fmt = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return f"{ts.astimezone(UTC).strftime(fmt)} UTC"


def both(ts: datetime | None) -> str:
    """New York time with UTC in brackets, for hover texts."""
    return MISSING if ts is None else f"{new_york(ts, seconds=True)} ({utc(ts)})"


def bytes_(n: float | None) -> str:
    if _bad(n):
        return MISSING
    assert n is not None
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def label(text: str | None) -> str:
    """iron_condor -> iron condor."""
    return MISSING if not text else text.replace("_", " ")


_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_{}[]<>()#+!|$~:"})


def md(text: str) -> str:
    """Free text (an alert message, a decision's explanation) made safe to embed in Streamlit
    markdown: ``$`` would otherwise start LaTeX, ``*`` emphasis, ``:red[...]`` colour."""
    return text.translate(_MARKDOWN_SPECIAL)
