"""The embedded market simulator: a seeded, reproducible market that `sim` mode and backtests
trade against (underlyings with stochastic vol, jumps and regimes, VIX, futures, option chains).
"""

# ``TradingConfig`` embeds ``SimConfig`` while ``v6.sim.config`` builds on ``v6.config.types``:
# initialising ``v6.config`` first makes every import order work (no circular ImportError).
import v6.config  # noqa: F401
