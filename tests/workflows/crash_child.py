"""Child process of the crash tests: a checkpointed simulated run that kills itself with
SIGKILL right after the N-th save of the paper broker (every save follows a broker call or a
step boundary; ``--kill-on place`` counts only saves that follow a new order, so the process
dies between an order and its fill). ``--resume`` continues from the checkpoint.

Usage: python crash_child.py DATA_DIR DAYS SEED [--resume] [--kill-at N] [--kill-on any|place]
Prints the closing summary as JSON when it finishes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

from kit import TEST_OVERRIDES  # kit.py beside this script (the child runs it by path)

from v6.clock import WallClock
from v6.config import load_config
from v6.domain.orders import Order, OrderEvent
from v6.workflows.checkpoint import CheckpointBroker
from v6.workflows.runner import SimOptions, SimRun

OVERRIDES: dict[str, Any] = dict(TEST_OVERRIDES)
"""The workflow stories' configuration (``kit.py`` sits beside this script, so it imports as a
top-level module in the child process)."""


def arm(kill_at: int, kind: str) -> None:
    """Patch the checkpointing broker so the process dies after the chosen save."""
    state = {"saves": 0, "last": "step"}
    save = CheckpointBroker.save
    place = CheckpointBroker.place_order

    async def place_order(self: CheckpointBroker, order: Order) -> OrderEvent:
        state["last"] = "place"
        try:
            return await place(self, order)
        finally:
            state["last"] = "other"

    def save_then_maybe_die(self: CheckpointBroker) -> None:
        save(self)
        if kind == "any" or state["last"] == "place":
            state["saves"] += 1
            if state["saves"] >= kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    CheckpointBroker.place_order = place_order  # type: ignore[method-assign]
    CheckpointBroker.save = save_then_maybe_die  # type: ignore[method-assign]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("days", type=int)
    ap.add_argument("seed", type=int)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--kill-at", type=int, default=0)
    ap.add_argument("--kill-on", choices=("any", "place"), default="any")
    args = ap.parse_args()
    if args.kill_at:
        arm(args.kill_at, args.kill_on)
    cfg = load_config(None, env={}, overrides=OVERRIDES)
    opts = SimOptions(days=args.days, seed=args.seed, checkpoint=True, resume=args.resume)
    result = asyncio.run(SimRun(cfg, opts, data_dir=args.data_dir, wall=WallClock()).run())
    out = result.summary.as_dict()
    out["reconcile"] = {
        "working": len(result.start.reconcile.working),
        "filled": len(result.start.reconcile.filled),
        "expired": len(result.start.reconcile.expired),
        "interrupted": len(result.start.reconcile.interrupted),
        "recorded_fills": len(result.start.reconcile.recorded_fills),
    }
    out["adopted"] = result.start.adopted
    out["missing"] = result.start.missing
    print(json.dumps(out))


if __name__ == "__main__":
    main()
