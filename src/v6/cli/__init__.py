"""The ``v6`` command line: one entry point, sub-commands per area."""
