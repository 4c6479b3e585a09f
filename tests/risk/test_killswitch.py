"""Kill switch: the flag file and the decision of what the engine must do while it is set."""

from __future__ import annotations

from pathlib import Path

from v6.domain import IntentKind, StrategyStatus, Urgency
from v6.risk import KillSwitch, plan_kill
from v6.risk.config import KillSwitchConfig

from .kit import TS, condor, later, portfolio


def test_set_read_clear_round_trip(tmp_path: Path) -> None:
    ks = KillSwitch.from_config(tmp_path / "data", KillSwitchConfig())
    assert ks.path == tmp_path / "data" / "KILL"
    assert not ks.is_set()
    assert ks.read() is None
    ks.set(now=TS, reason="manual stop", flatten=True, by="cli")
    assert ks.is_set()
    st = ks.read()
    assert st is not None
    assert (st.reason, st.set_at, st.flatten, st.set_by) == ("manual stop", TS, True, "cli")
    assert not list(ks.path.parent.glob("*.tmp"))
    assert ks.clear() is True
    assert ks.clear() is False
    assert ks.read() is None


def test_a_touched_or_garbled_file_still_counts_as_set(tmp_path: Path) -> None:
    ks = KillSwitch(tmp_path / "KILL")
    ks.path.touch()
    st = ks.read()
    assert st is not None
    assert st.flatten is None
    assert st.reason == ""
    ks.path.write_text("stop now {", encoding="utf-8")
    st = ks.read()
    assert st is not None
    assert st.reason == "stop now {"
    ks.path.write_text("[1, 2]", encoding="utf-8")
    assert ks.read() is not None
    ks.path.write_text(
        '{"reason": "x", "set_at": "not a time", "flatten": "yes"}', encoding="utf-8"
    )
    st = ks.read()
    assert st is not None
    assert st.set_at is None
    assert st.flatten is None


def test_plan_cancels_and_flattens_with_stable_ids(tmp_path: Path) -> None:
    a, b = condor("SPY", sid="a", qty=2), condor("QQQ", sid="b")
    gone = condor("IWM", sid="gone").with_status(StrategyStatus.CLOSED)
    ks = KillSwitch(tmp_path / "KILL")
    status = ks.set(now=TS, reason="flatten all", flatten=True)
    plan = plan_kill(status, ["o1", "o2"], portfolio([a, b, gone]), later(5))
    assert plan.active
    assert plan.cancel_order_refs == ("o1", "o2")
    assert [i.strategy_id for i in plan.close_intents] == ["a", "b"]
    first = plan.close_intents[0]
    assert first.kind is IntentKind.CLOSE
    assert first.urgency is Urgency.IMMEDIATE
    assert {(leg.contract, leg.quantity) for leg in first.legs} == {
        (leg.contract, -leg.quantity) for leg in a.legs
    }
    again = plan_kill(ks.read(), [], portfolio([a, b]), later(35))
    assert [i.intent_id for i in again.close_intents] == [i.intent_id for i in plan.close_intents]
    ks.set(now=later(100), reason="again", flatten=True)
    other = plan_kill(ks.read(), [], portfolio([a, b]), later(105))
    assert other.close_intents[0].intent_id != first.intent_id


def test_plan_without_flatten_only_cancels(tmp_path: Path) -> None:
    ks = KillSwitch(tmp_path / "KILL")
    ks.path.touch()
    plan = plan_kill(ks.read(), ["o1"], portfolio([condor()]), TS)
    assert plan.cancel_order_refs == ("o1",)
    assert plan.close_intents == ()
    assert "cancel working orders" in plan.reason
    flat = plan_kill(ks.read(), [], portfolio([condor()]), TS, flatten_default=True)
    assert len(flat.close_intents) == 1


def test_no_switch_no_plan() -> None:
    plan = plan_kill(None, ["o1"], portfolio([condor()]), TS)
    assert not plan.active
    assert plan.cancel_order_refs == ()
