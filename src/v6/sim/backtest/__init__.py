"""The backtest runner behind ``v6 backtest`` and ``v6 compare``: the engine on a virtual clock
over a simulated or replayed market with the same decision, risk and execution code as
``v6 run``, an in-memory journal saved as a run folder, the look-ahead guard, the entry lag
and the paired Monte Carlo comparison (see docs/backtest.md).
"""
