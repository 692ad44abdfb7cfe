"""Signals the organisations registry sends; packages above it (certificates) listen, so the registry never imports
them.

``body_changed`` is sent when a body's standing changes (confirmed, re-confirmed, cancelled, announced), inside the
transaction that changed it: ``body_changed.send(agency, actor=actor, now=now)``. A receiver that raises rolls the
change back with it.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

body_changed = _signals.signal("body-changed")

#: sent when an entrustment agreement is recorded, filed, announced or terminated:
#: ``entrustment_changed.send(agreement, actor=actor, now=now)``
entrustment_changed = _signals.signal("entrustment-changed")
