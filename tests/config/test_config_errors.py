"""Every kind of bad input becomes one ConfigError whose lines name the key path, the value
given and where it came from, in plain words (never pydantic's raw text)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from v6.config import load_config
from v6.errors import ConfigError, InputRejected

RAW_PYDANTIC = ("Input should be", "type=", "pydantic", "errors.pydantic.dev", "validation error")


def _problems_from_yaml(write_yaml: Callable[..., Path], text: str) -> list[str]:
    path = write_yaml(text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(path) in info.value.source
    return info.value.problems


def _assert_plain(problems: list[str]) -> None:
    for line in problems:
        for raw in RAW_PYDANTIC:
            assert raw not in line, line


# (YAML text, dotted path that must be named, rendering of the value that must appear)
YAML_CASES = [
    pytest.param("modee: sim\n", "modee", "'sim'", id="unknown-top-level-key"),
    pytest.param("ib:\n  prot: 4002\n", "ib.prot", "4002", id="unknown-section-key"),
    pytest.param(
        "ib:\n  reconnect:\n    max_ss: 5\n", "ib.reconnect.max_ss", "5", id="unknown-deep"
    ),
    pytest.param(
        "profit_targets:\n  sideways: 0.5\n", "profit_targets.sideways", "0.5", id="unknown-regime"
    ),
    pytest.param(
        "limits:\n  max_per_strategy_type:\n    iron_condr: 3\n",
        "limits.max_per_strategy_type.iron_condr",
        "'iron_condr'",
        id="unknown-strategy-type",
    ),
    pytest.param(
        "variance_analysis:\n  regime_adjustments:\n    crashy: {iron_condor: 0.5}\n",
        "variance_analysis.regime_adjustments.crashy",
        "'crashy'",
        id="unknown-regime-in-mapping",
    ),
    pytest.param(
        "limits:\n  max_open_strategies: ten\n",
        "limits.max_open_strategies",
        "'ten'",
        id="wrong-type",
    ),
    pytest.param(
        "limits:\n  max_daily_loss: true\n", "limits.max_daily_loss", "true", id="bool-for-number"
    ),
    pytest.param(
        "variance_analysis:\n  lookback_days: 2.5\n",
        "variance_analysis.lookback_days",
        "2.5",
        id="fraction-for-integer",
    ),
    pytest.param("ib:\n  port: 70000\n", "ib.port", "70000", id="port-out-of-range"),
    pytest.param("ib:\n  port: 0\n", "ib.port", "0", id="port-zero"),
    pytest.param("ib:\n  client_id: -1\n", "ib.client_id", "-1", id="negative-client-id"),
    pytest.param(
        "ib:\n  max_streaming_lines: 101\n", "ib.max_streaming_lines", "101", id="too-many-lines"
    ),
    pytest.param(
        "limits:\n  max_margin_use: 1.5\n", "limits.max_margin_use", "1.5", id="fraction-above-one"
    ),
    pytest.param(
        "limits:\n  max_daily_loss: -5\n", "limits.max_daily_loss", "-5", id="negative-dollars"
    ),
    pytest.param(
        "limits:\n  max_daily_loss: .inf\n", "limits.max_daily_loss", "inf", id="infinite"
    ),
    pytest.param("refresh:\n  monitoring_s: .nan\n", "refresh.monitoring_s", "nan", id="nan"),
    pytest.param(
        "refresh:\n  quote_max_age_s: 0\n", "refresh.quote_max_age_s", "0", id="zero-interval"
    ),
    pytest.param(
        "profit_targets:\n  crash: 0\n", "profit_targets.crash", "0", id="zero-profit-target"
    ),
    pytest.param(
        "profit_targets:\n  normal: 1.2\n",
        "profit_targets.normal",
        "1.2",
        id="profit-target-above-one",
    ),
    pytest.param("entry:\n  short_delta: 0.6\n", "entry.short_delta", "0.6", id="delta-range"),
    pytest.param("mode: livee\n", "mode", "'livee'", id="bad-mode"),
    pytest.param(
        "ib:\n  market_data_type: 7\n", "ib.market_data_type", "7", id="bad-market-data-type"
    ),
    pytest.param("logging:\n  level: loud\n", "logging.level", "'LOUD'", id="bad-log-level"),
    pytest.param(
        "logging:\n  json_file: ../escape.jsonl\n",
        "logging.json_file",
        "'../escape.jsonl'",
        id="log-file-with-directory",
    ),
    pytest.param("ib: 5\n", "ib", "5", id="section-not-mapping"),
    pytest.param(
        "entry:\n  underlyings: SPY\n", "entry.underlyings", "'SPY'", id="scalar-for-list"
    ),
    pytest.param("entry:\n  underlyings: []\n", "entry.underlyings", "[]", id="empty-list"),
    pytest.param(
        "entry:\n  underlyings: [SPY, '1X']\n", "entry.underlyings[1]", "'1X'", id="bad-ticker"
    ),
    pytest.param(
        "entry:\n  underlyings: [SPY, spy]\n",
        "entry.underlyings",
        "['SPY', 'spy']",
        id="repeated-ticker",
    ),
    pytest.param("ib:\n  host: ''\n", "ib.host", "''", id="empty-host"),
]


@pytest.mark.parametrize(("text", "path", "shown"), YAML_CASES)
def test_bad_yaml_value_names_path_and_value(
    write_yaml: Callable[..., Path], text: str, path: str, shown: str
) -> None:
    problems = _problems_from_yaml(write_yaml, text)
    matching = [p for p in problems if p.startswith(f"{path}:")]
    assert matching, problems
    assert any(shown in p and "expected" in p and "line" in p for p in matching), matching
    _assert_plain(problems)


def test_example_line_from_the_environment() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, env={"V6__LIMITS__MAX_DAILY_LOSS": "-5"})
    assert info.value.problems == [
        "limits.max_daily_loss: got -5 (from V6__LIMITS__MAX_DAILY_LOSS); expected a number > 0"
    ]


def test_problem_line_gives_the_yaml_line_number(write_yaml: Callable[..., Path]) -> None:
    problems = _problems_from_yaml(write_yaml, "mode: sim\nib:\n  host: 127.0.0.1\n  port: -1\n")
    assert len(problems) == 1
    assert "line 4" in problems[0]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("mode: sim\nib:\n  port: 4002\n   host: x\n", "line 4", id="bad-indent"),
        pytest.param("ib: [1, 2\n", "line 2", id="unclosed-flow"),
        pytest.param("mode: 'sim\n", "YAML syntax error", id="unclosed-quote"),
        pytest.param("mode: sim\n---\nmode: paper\n", "YAML syntax error", id="two-documents"),
    ],
)
def test_yaml_syntax_errors_give_a_line(
    write_yaml: Callable[..., Path], text: str, fragment: str
) -> None:
    problems = _problems_from_yaml(write_yaml, text)
    assert len(problems) == 1
    assert fragment in problems[0]
    assert "line" in problems[0]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- a\n- b\n", "list"), ("just text\n", "str"), ("42\n", "int")],
)
def test_top_level_must_be_a_mapping(write_yaml: Callable[..., Path], text: str, kind: str) -> None:
    problems = _problems_from_yaml(write_yaml, text)
    assert problems[0].startswith("(top level): got a " + kind)
    assert "mode" in problems[0]


def test_empty_file_means_defaults(write_yaml: Callable[..., Path]) -> None:
    from v6.config import TradingConfig

    assert load_config(write_yaml("# nothing set\n"), env={}) == TradingConfig()


def test_duplicate_and_non_text_keys_are_refused(write_yaml: Callable[..., Path]) -> None:
    problems = _problems_from_yaml(write_yaml, "ib:\n  port: 4002\n  port: 4001\non: 1\n")
    assert any(p.startswith("ib.port: duplicate key at lines 2 and 3") for p in problems)
    assert any("'on'" in p and "line 4" in p for p in problems)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        pytest.param(
            {"V6____PORT": "1"}, "V6____PORT: bad environment variable name", id="empty-section"
        ),
        pytest.param(
            {"V6__IB__": "1"}, "V6__IB__: bad environment variable name", id="trailing-separator"
        ),
        pytest.param(
            {"V6__IB__PROT": "4002"},
            "ib.prot: unknown key, got 4002 (from V6__IB__PROT)",
            id="unknown-key",
        ),
        pytest.param({"V6__NOPE": "1"}, "nope: unknown key", id="unknown-section"),
        pytest.param(
            {"V6__IB__PORT": "[1, "},
            "ib.port: got '[1, ' (from V6__IB__PORT)",
            id="unparsable-value",
        ),
        pytest.param(
            {"V6__IB": "{port: 1}", "V6__IB__PORT": "2"},
            "ib.port: set by both V6__IB and V6__IB__PORT",
            id="conflict",
        ),
        pytest.param(
            {"V6__IB__PORT": "1", "v6__ib__port": "2"}, "set by both", id="same-key-twice"
        ),
    ],
)
def test_bad_environment_variables(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, env=env)
    assert any(fragment in p for p in info.value.problems), info.value.problems
    _assert_plain(info.value.problems)


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"ib..port": 1}, "'ib..port': bad override key"),
        ({"ib.prot": 1}, "ib.prot: unknown key, got 1 (from override ib.prot)"),
        ({"ib.port": "abc"}, "ib.port: got 'abc' (from override ib.port); expected a whole number"),
    ],
)
def test_bad_overrides(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, env={}, overrides=overrides)
    assert any(fragment in p for p in info.value.problems), info.value.problems


def test_explicit_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(missing, env={})
    assert info.value.problems == [f"{missing}: file not found"]


def test_directory_and_binary_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="directory"):
        load_config(tmp_path, env={})
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(binary, env={})


def test_all_problems_of_all_layers_are_reported_at_once(
    write_yaml: Callable[..., Path],
) -> None:
    path = write_yaml("ib:\n  port: 0\nlimits:\n  max_daily_loss: -1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={"V6__REFRESH__MONITORING_S": "-3"}, overrides={"mode": "nope"})
    named = {p.split(":")[0] for p in info.value.problems}
    assert named == {"ib.port", "limits.max_daily_loss", "refresh.monitoring_s", "mode"}
    origins = " ".join(info.value.problems)
    assert "line 2" in origins
    assert "V6__REFRESH__MONITORING_S" in origins
    assert "override mode" in origins


def test_config_error_is_an_input_rejection_with_exit_code_2() -> None:
    with pytest.raises(InputRejected) as info:
        load_config(None, env={"V6__MODE": "x"})
    assert isinstance(info.value, ConfigError)
    assert info.value.exit_code == 2
    assert "mode: got 'x'" in str(info.value)


def test_unknown_key_suggests_the_closest_name() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, env={"V6__REFRESH__MONITORING": "5"})
    assert "did you mean 'monitoring_s'" in info.value.problems[0]
