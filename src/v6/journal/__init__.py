"""The decision journal: decisions to rows of the ``decisions`` table (with HOLD compaction)
and back, plus the plain-language rendering ``v6 explain`` prints."""

from v6.journal.codec import DecisionRecord
from v6.journal.decisions import DecisionJournal, HoldPolicy

__all__ = ["DecisionJournal", "DecisionRecord", "HoldPolicy"]
