"""Signals the exams package sends; packages above it (certificates) listen, so ``exams`` never imports them.

``attempt_graded`` is sent once per attempt, after it is final and graded, inside the transaction that finalized
it: ``attempt_graded.send(attempt, now=now)``. A receiver that raises rolls the finalization back with it.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

attempt_graded = _signals.signal("attempt-graded")
