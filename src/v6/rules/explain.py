"""Plain-language explanations of decisions, rebuilt from the numbers a decision carries.

``explain(decision)`` reads only ``rule``, ``action``, ``inputs`` and ``thresholds``, so it
works on a decision read back from the journal as well as on a fresh one: "closed SPY iron
condor 2026-12-18 because trailing stop: P&L fell from 62 % to 41 % of max profit, below the
45 % trail, for 3 cycles".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from v6.domain.decision import Action, Decision

Values = Mapping[str, float | str | None]

RULE_LABELS: dict[str, str] = {
    "catastrophe": "catastrophe",
    "trailing_stop": "trailing stop",
    "time_exit": "time exit",
    "dynamic_take_profit": "dynamic take-profit",
    "take_profit": "take-profit",
    "stop_loss": "stop loss",
    "delta_risk": "delta risk",
    "gamma_risk": "gamma risk",
    "iv_crush": "IV crush",
    "dte_roll": "DTE roll",
    "vix_exit": "VIX exit",
    "portfolio_limits": "portfolio limits",
    "hold": "no rule fired",
    "data_invalid": "data could not be trusted",
}

_VERBS = {
    Action.HOLD: "held",
    Action.CLOSE: "closed",
    Action.ROLL: "rolled",
    Action.HEDGE: "hedged",
    Action.REDUCE: "reduced",
}

_GREEK_LABELS = {
    "delta": "delta",
    "gamma": "gamma",
    "theta_per_day": "theta ($/day)",
    "vega_per_vol_point": "vega ($/vol point)",
}


def _num(values: Values, key: str) -> float | None:
    v = values.get(key)
    return float(v) if isinstance(v, int | float) else None


def pct(x: float | None, digits: int = 0) -> str:
    """0.62 -> '62 %'; None -> 'n/a'."""
    return "n/a" if x is None else f"{x * 100:.{digits}f} %"


def usd(x: float | None) -> str:
    """1234.5 -> '$1,234'; -50 -> '-$50'; None -> 'n/a'."""
    if x is None:
        return "n/a"
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def _plain(x: float | None, fmt: str = ".2f") -> str:
    return "n/a" if x is None else format(x, fmt)


def _catastrophe(i: Values, t: Values) -> str:
    triggers = str(i.get("triggers") or "").split(",")
    parts: list[str] = []
    if "position_loss" in triggers:
        parts.append(
            f"loss {usd(_num(i, 'loss'))} is {pct(_num(i, 'loss_fraction_of_max_loss'))} of the "
            f"{usd(_num(i, 'max_loss'))} max loss (limit {pct(_num(t, 'max_loss_fraction'))})"
        )
    if "account_loss" in triggers:
        lost = _num(i, "daily_pnl")
        parts.append(
            f"the account lost {usd(-lost if lost is not None else None)} today, "
            f"{pct(_num(i, 'account_loss_fraction'), 1)} of "
            f"{usd(_num(i, 'net_liquidation'))} net liquidation "
            f"(limit {pct(_num(t, 'daily_loss_fraction'), 1)})"
        )
    if "gap" in triggers:
        gap = _num(i, "gap_fraction")
        sign = "+" if gap is not None and gap > 0 else ""
        parts.append(
            f"{i.get('symbol')} moved {sign}{pct(gap, 1)} since the previous close "
            f"(limit {pct(_num(t, 'max_gap_fraction'), 1)} either way)"
        )
    if "strike_breach" in triggers:
        for side in ("put", "call"):
            depth = _num(i, f"{side}_breach_fraction")
            limit = _num(t, "strike_breach_fraction")
            if depth is not None and limit is not None and depth >= limit:
                parts.append(
                    f"{i.get('symbol')} at {_plain(_num(i, 'underlying_price'))} is "
                    f"{pct(depth, 1)} through the {_plain(_num(i, f'short_{side}_strike'), 'g')} "
                    f"short {side} (limit {pct(limit, 1)})"
                )
    return "; ".join(parts) or "catastrophe check fired"


def _trailing(i: Values, t: Values) -> str:
    peak, now, stop = _num(i, "peak_pnl_fraction"), _num(i, "pnl_fraction"), _num(i, "trail_level")
    text = f"P&L fell from {pct(peak)} to {pct(now)} of max profit, below the {pct(stop)} trail"
    cycles = _num(i, "breach_cycles")
    confirm = _num(t, "confirm_cycles")
    if cycles is not None and confirm is not None and cycles >= confirm:
        n = int(cycles)
        text += f", for {n} cycle{'s' if n != 1 else ''}"
    else:
        text += f" by more than the {pct(_num(t, 'breach_buffer_fraction'))} buffer"
    vol = _num(i, "vol")
    if vol is not None:
        text += (
            f" (trail distance {pct(_num(i, 'trail_distance'))} of max profit at "
            f"{pct(vol)} {i.get('vol_source')} vol)"
        )
    return text


def _time_exit(i: Values, t: Values) -> str:
    dte = _plain(_num(i, "dte"), ".0f")
    if i.get("exit_kind") == "hard":
        hard = _plain(_num(t, "hard_exit_dte"), ".0f")
        return (
            f"{dte} DTE is at or inside the {hard}-DTE hard exit: "
            "a short option is never held into expiration"
        )
    return f"{dte} DTE reached the {_plain(_num(t, 'exit_dte'), '.0f')}-DTE exit"


def _dynamic_tp(i: Values, t: Values) -> str:
    return (
        f"P&L reached {pct(_num(i, 'pnl_fraction'))} of max profit, at or above the "
        f"{pct(_num(t, 'target_fraction'))} target for the {i.get('regime')} regime"
    )


def _take_profit(i: Values, t: Values) -> str:
    return (
        f"P&L reached {pct(_num(i, 'pnl_fraction'))} of max profit "
        f"(target {pct(_num(t, 'target_fraction'))})"
    )


def _stop_loss(i: Values, t: Values) -> str:
    kind = i.get("basis_kind")
    text = (
        f"loss {usd(_num(i, 'loss'))} is {pct(_num(i, 'loss_to_basis'))} of the "
        f"{usd(_num(i, 'basis'))} {kind} {'received' if kind == 'credit' else 'paid'} "
        f"(limit {pct(_num(t, 'limit_multiple'))})"
    )
    factor = _num(i, "vol_factor")
    if factor is not None and factor != 1.0:
        text += f", the limit scaled x{factor:.2f} for {pct(_num(i, 'vol'))} vol"
    return text


def _delta(i: Values, t: Values) -> str:
    parts: list[str] = []
    short, short_lim = _num(i, "max_short_abs_delta"), _num(t, "max_short_leg_abs_delta")
    if short is not None and short_lim is not None and short >= short_lim:
        parts.append(f"a short leg's delta is {short:.2f}, at or beyond {short_lim:.2f}")
    net, net_lim = _num(i, "net_delta_per_share"), _num(t, "max_net_delta_per_share")
    if net is not None and net_lim is not None and net >= net_lim:
        parts.append(f"net delta is {net:.2f} per share, at or beyond {net_lim:.2f}")
    return "; ".join(parts) or "delta beyond its limit"


def _gamma(i: Values, t: Values) -> str:
    return (
        f"gamma alone would lose {usd(_num(i, 'gamma_loss'))} on a "
        f"{pct(_num(t, 'move_fraction'))} move, {pct(_num(i, 'gamma_risk_fraction'))} of max "
        f"loss (limit {pct(_num(t, 'limit_fraction'))} at {_plain(_num(i, 'dte'), '.0f')} DTE)"
    )


def _iv_crush(i: Values, t: Values) -> str:
    return (
        f"IV fell from {pct(_num(i, 'iv_entry'), 1)} at entry to {pct(_num(i, 'iv_now'), 1)} "
        f"({pct(_num(i, 'iv_drop_fraction'))} drop, threshold "
        f"{pct(_num(t, 'min_iv_drop_fraction'))}), with P&L at {pct(_num(i, 'pnl_fraction'))} "
        f"of max profit (min {pct(_num(t, 'min_pnl_fraction'))})"
    )


def _dte_roll(i: Values, t: Values) -> str:
    dte = _plain(_num(i, "dte"), ".0f")
    at = f"{dte} DTE reached the {_plain(_num(t, 'roll_dte'), '.0f')}-DTE roll"
    est = _num(i, "roll_credit_estimate")
    if i.get("roll_outcome") == "roll":
        window = (
            f"{_plain(_num(t, 'target_dte_min'), '.0f')}-{_plain(_num(t, 'target_dte_max'), '.0f')}"
        )
        credit = f"an estimated {usd(est)} credit" if est is not None else "no credit estimate"
        return f"{at}: roll to {window} DTE for {credit}"
    shown = usd(est) if est is not None else "none"
    return (
        f"{at} but no credit roll is available (estimate {shown}); policy: {i.get('roll_outcome')}"
    )


def _vix(i: Values, t: Values) -> str:
    parts: list[str] = []
    vix, level = _num(i, "vix"), _num(t, "vix_level")
    if vix is not None and level is not None and vix >= level:
        parts.append(f"VIX {vix:.1f} is at or above {level:.1f}")
    chg, max_chg = _num(i, "vix_change_1d"), _num(t, "max_vix_change_1d")
    if chg is not None and max_chg is not None and chg >= max_chg:
        parts.append(f"VIX is up {pct(chg)} in a day (limit {pct(max_chg)})")
    return "; ".join(parts) or "VIX beyond its limits"


def _portfolio(i: Values, t: Values) -> str:
    parts: list[str] = []
    for name in str(i.get("breaches") or "").split(","):
        if name == "concentration":
            parts.append(
                f"{pct(_num(i, 'concentration'))} of portfolio risk is in {i.get('symbol')} "
                f"(limit {pct(_num(t, 'concentration_limit'))}) and this is its largest position"
            )
        elif name in _GREEK_LABELS:
            parts.append(
                f"portfolio {_GREEK_LABELS[name]} {_plain(_num(i, f'portfolio_{name}'), '+.1f')} "
                f"is at or beyond the {_plain(_num(t, f'limit_{name}'), '.1f')} limit and this "
                f"position contributes the most ({_plain(_num(i, f'contribution_{name}'), '+.1f')})"
            )
    return "; ".join(parts) or "portfolio limits exceeded"


def _hold(i: Values, t: Values) -> str:
    text = f"P&L {pct(_num(i, 'pnl_fraction'))} of max profit, {_plain(_num(i, 'dte'), '.0f')} DTE"
    skipped = i.get("skipped_rules")
    if skipped:
        text += f"; not evaluated for missing or bad data: {skipped}"
    return text


def _data_invalid(i: Values, t: Values) -> str:
    text = str(i.get("data_issues") or "invalid inputs")
    blind = _num(i, "invalid_for_s")
    if blind:
        text += f" (for {blind:.0f} s)"
    return text


_DESCRIBERS: dict[str, Callable[[Values, Values], str]] = {
    "catastrophe": _catastrophe,
    "trailing_stop": _trailing,
    "time_exit": _time_exit,
    "dynamic_take_profit": _dynamic_tp,
    "take_profit": _take_profit,
    "stop_loss": _stop_loss,
    "delta_risk": _delta,
    "gamma_risk": _gamma,
    "iv_crush": _iv_crush,
    "dte_roll": _dte_roll,
    "vix_exit": _vix,
    "portfolio_limits": _portfolio,
    "hold": _hold,
    "data_invalid": _data_invalid,
}


def describe(rule: str, inputs: Values, thresholds: Values) -> str:
    """The "why" clause for ``rule`` from its inputs and thresholds (no strategy name)."""
    fn = _DESCRIBERS.get(rule)
    if fn is None:
        shown = ", ".join(f"{k}={v}" for k, v in inputs.items())
        limits = ", ".join(f"{k}={v}" for k, v in thresholds.items())
        return f"inputs {shown}; thresholds {limits}"
    return fn(inputs, thresholds)


def strategy_label(inputs: Values, strategy_id: str = "") -> str:
    """'SPY iron condor 2026-12-18' from a decision's inputs (falls back to the id)."""
    parts = [
        str(inputs[k]).replace("_", " ")
        for k in ("symbol", "strategy_type", "expiry")
        if inputs.get(k) is not None
    ]
    return " ".join(parts) or strategy_id


def explain(decision: Decision) -> str:
    """One sentence: what was decided for which strategy, by which rule, and the numbers."""
    what = strategy_label(decision.inputs, decision.strategy_id)
    label = RULE_LABELS.get(decision.rule, decision.rule)
    why = describe(decision.rule, decision.inputs, decision.thresholds)
    verb = _VERBS[decision.action]
    if decision.action is Action.REDUCE:
        units = _num(decision.thresholds, "reduce_units")
        if units is not None:
            verb = f"reduced by {units:.0f} unit{'s' if units != 1 else ''}"
    if decision.rule == "hold":
        return f"{verb} {what}: {label} ({why})"
    if decision.rule == "data_invalid":
        return f"{verb} {what} because its {label}: {why}"
    return f"{verb} {what} because {label}: {why}"
