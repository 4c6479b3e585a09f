"""The pre-trade gate: kill switch, breaker states, snapshot age, limits, and the execution
engine's RiskGate port."""

from __future__ import annotations

from pathlib import Path

from v6.domain import Intent, IntentKind
from v6.execution.ports import GateDecision, RiskGate
from v6.risk import (
    BreakerState,
    CircuitBreaker,
    GateContext,
    GateResult,
    GateStage,
    KillSwitch,
    Observation,
    PreTradeGate,
    RiskConfig,
    RiskSnapshot,
    TradingState,
)
from v6.risk.config import BreakersConfig, KillSwitchConfig

from .kit import (
    TS,
    checker,
    close_of,
    condor,
    contracts_of,
    intent,
    later,
    model_market,
    open_of,
    snapshot,
)

HELD = condor("SPY", sid="held")
NEW = condor("IWM", sid="new")


def _snap() -> RiskSnapshot:
    return snapshot([HELD], model_market(contracts_of([HELD, NEW])))


def _state(s: TradingState) -> BreakerState:
    cb = CircuitBreaker()
    if s is TradingState.HALTED:
        return cb.request_halt(TS, "test")
    if s is TradingState.REDUCING:
        return cb.update(Observation(vix=50.0), TS)
    return cb.state


def _gate(
    state: TradingState = TradingState.ACTIVE,
    *,
    snap: RiskSnapshot | None = None,
    now_s: float = 0.0,
    kill_path: Path | None = None,
    cfg: RiskConfig | None = None,
    log: list[GateResult] | None = None,
) -> PreTradeGate:
    snap = snap or _snap()
    breaker = _state(state)
    switch = KillSwitch(kill_path) if kill_path else None

    def context() -> GateContext:
        return GateContext(later(now_s), snap, breaker, switch.read() if switch else None)

    return PreTradeGate(
        checker(cfg), context, cfg or RiskConfig(), log.append if log is not None else None
    )


def _hedge() -> Intent:
    return intent(IntentKind.HEDGE, "h", [(leg.contract, leg.quantity) for leg in NEW.legs])


def test_satisfies_the_execution_risk_gate_port() -> None:
    gate = _gate()
    assert isinstance(gate, RiskGate)
    d = gate.check(open_of(NEW, -1.15))
    assert d == GateDecision(True, "within limits")


def test_active_allows_everything_within_limits() -> None:
    gate = _gate()
    for i in (open_of(NEW, -1.15), close_of(HELD), _hedge()):
        assert gate.evaluate(i).approved, i.kind


def test_halted_blocks_entries_and_hedges_but_lets_closes_through() -> None:
    gate = _gate(TradingState.HALTED)
    res = gate.evaluate(open_of(NEW, -1.15))
    assert not res.approved
    assert res.stage is GateStage.BREAKER
    assert res.reason.startswith("trading halted by circuit breaker: manual (halted)")
    assert not gate.evaluate(_hedge()).approved
    assert gate.evaluate(close_of(HELD)).approved
    assert gate.evaluate(close_of(HELD, units=1, kind=IntentKind.REDUCE)).approved


def test_halted_can_block_closes_too() -> None:
    cfg = RiskConfig(breakers=BreakersConfig(halted_allows_closes=False))
    assert not _gate(TradingState.HALTED, cfg=cfg).evaluate(close_of(HELD)).approved


def test_reducing_allows_only_risk_reducing_intents() -> None:
    gate = _gate(TradingState.REDUCING)
    res = gate.evaluate(open_of(NEW, -1.15))
    assert not res.approved
    assert "closes and hedges only" in res.reason
    roll = intent(IntentKind.ROLL, "held", [(leg.contract, -leg.quantity) for leg in HELD.legs])
    assert not gate.evaluate(roll).approved
    assert gate.evaluate(close_of(HELD)).approved
    assert gate.evaluate(_hedge()).approved


def test_stale_snapshot_blocks_new_risk_not_unwinds() -> None:
    gate = _gate(now_s=120.0)
    res = gate.evaluate(open_of(NEW, -1.15))
    assert res.stage is GateStage.SNAPSHOT
    assert res.reason == "risk snapshot is 120 s old, limit 90 s"
    assert gate.evaluate(close_of(HELD)).approved


def test_no_snapshot_refuses() -> None:
    def context() -> GateContext:
        return GateContext(TS, None, BreakerState())

    gate = PreTradeGate(checker(), context)
    assert gate.check(close_of(HELD)) == GateDecision(False, "no risk snapshot yet")


def test_kill_switch_blocks_everything_unless_flattening(tmp_path: Path) -> None:
    path = tmp_path / "KILL"
    KillSwitch(path).set(now=TS, reason="fat finger")
    gate = _gate(kill_path=path)
    for i in (open_of(NEW, -1.15), _hedge(), close_of(HELD)):
        res = gate.evaluate(i)
        assert not res.approved
        assert res.reason == "kill switch set (fat finger): no orders"
        assert res.stage is GateStage.KILL_SWITCH
    KillSwitch(path).set(now=TS, reason="flatten", flatten=True)
    gate = _gate(
        TradingState.HALTED,
        kill_path=path,
        cfg=RiskConfig(breakers=BreakersConfig(halted_allows_closes=False)),
    )
    assert gate.evaluate(close_of(HELD)).approved
    assert not gate.evaluate(open_of(NEW, -1.15)).approved


def test_kill_switch_flatten_default_comes_from_config(tmp_path: Path) -> None:
    path = tmp_path / "KILL"
    path.touch()
    cfg = RiskConfig(kill_switch=KillSwitchConfig(flatten=True))
    assert _gate(kill_path=path, cfg=cfg).evaluate(close_of(HELD)).approved
    assert not _gate(kill_path=path).evaluate(close_of(HELD)).approved


def test_limits_decide_last_and_results_reach_the_journal() -> None:
    log: list[GateResult] = []
    gate = _gate(cfg=RiskConfig(), log=log)
    gate.evaluate(open_of(NEW, -1.15))
    gate.evaluate(close_of(HELD))
    assert [r.approved for r in log] == [True, True]
    assert log[1].limits is not None
    assert log[1].limits.exempt
    row = log[0].data()
    assert row["stage"] == "limits"
    assert row["trading_state"] == "active"
    assert row["intent_id"] == open_of(NEW).intent_id


def test_limit_refusal_carries_structured_data() -> None:
    snap = _snap()

    def context() -> GateContext:
        return GateContext(TS, snap, BreakerState())

    gate = PreTradeGate(checker(max_open_strategies=1), context)
    res = gate.evaluate(open_of(NEW, -1.15))
    assert res.reason == "open strategies limit: would be 2, limit 1"
    row = res.data()
    assert (row["limit_name"], row["value_after"], row["limit"]) == ("open_strategies", 2, 1)


def test_an_error_inside_the_gate_is_a_refusal() -> None:
    class Broken:
        cfg = RiskConfig()

        def check(self, intent: Intent, snapshot: RiskSnapshot) -> object:
            raise ZeroDivisionError("boom")

    snap = _snap()
    gate = PreTradeGate(Broken(), lambda: GateContext(TS, snap, BreakerState()))  # type: ignore[arg-type]
    d = gate.check(open_of(NEW, -1.15))
    assert not d.approved
    assert d.reason == "risk gate error: ZeroDivisionError: boom"


def test_a_failing_context_provider_is_a_refusal() -> None:
    def context() -> GateContext:
        raise OSError("store down")

    gate = PreTradeGate(checker(), context)
    d = gate.check(close_of(HELD))
    assert d == GateDecision(False, "risk gate error (context): OSError: store down")
