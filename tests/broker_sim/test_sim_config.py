"""PaperBrokerConfig: strict, frozen, IB-like defaults, never an IB-looking account id."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from v6.broker.sim import PaperBrokerConfig
from v6.broker.sim.quotes import QuoteSource
from v6.clock import VirtualClock

from .kit import START, DictQuotes


def test_defaults_are_ib_like() -> None:
    config = PaperBrokerConfig()
    assert config.starting_cash == 100_000
    assert config.commission_per_contract == 0.65
    assert config.min_commission_per_order == 1.00
    assert config.early_assignment is False
    assert config.account_id.startswith("SIM")


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="slipage"):
        PaperBrokerConfig(slipage=0.5)  # type: ignore[call-arg]


def test_config_is_frozen() -> None:
    config = PaperBrokerConfig()
    with pytest.raises(ValidationError):
        config.seed = 3


@pytest.mark.parametrize("account", ["DU1234567", "U1234567", "paper"])
def test_account_id_must_look_simulated(account: str) -> None:
    with pytest.raises(ValidationError, match="account_id"):
        PaperBrokerConfig(account_id=account)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slippage_fraction", 1.5),
        ("delay_probability", -0.1),
        ("commission_per_contract", float("nan")),
        ("starting_cash", 0),
        ("seed", True),
        ("session_timezone", "Mars/Olympus"),
    ],
)
def test_bad_values_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        PaperBrokerConfig.model_validate({field: value})


def test_dict_quotes_satisfy_the_quote_source_protocol() -> None:
    assert isinstance(DictQuotes(VirtualClock(START)), QuoteSource)
