"""The test kit: factories that make tests read as stories (``make_iron_condor(...)``).

Shipped inside the package so later adapters' tests, benchmarks and fixture lakes share one
way of building realistic objects.
"""

from v6.testing.factories import (
    make_contract,
    make_iron_condor,
    make_quote,
    make_vertical,
)

__all__ = ["make_contract", "make_iron_condor", "make_quote", "make_vertical"]
