"""v6: autonomous options trading for one Interactive Brokers account.

The package is laid out as a functional core (``domain``, ``pricing``, later ``rules`` and
``risk``) and an imperative shell (``store``, ``cli``, later ``workflows`` and broker
adapters) that talks to the world only through the ports in ``v6.ports``.
"""

__version__ = "0.1.0"
