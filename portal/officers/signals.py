"""Signals the officers registry sends; packages above it (certificates) listen, so the registry never imports them.

``status_changed`` is sent when an officer's duty status changes, inside the transaction that changed it:
``status_changed.send(officer, actor=actor, now=now, before=old_status)``. A receiver that raises rolls the change
back with it.

``staff_kind_changed`` is sent, the same way, when an officer's 人员类别 changes (the form or an import):
``staff_kind_changed.send(officer, actor=actor, now=now, before=old_kind)``.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

status_changed = _signals.signal("officer-status-changed")
staff_kind_changed = _signals.signal("officer-staff-kind-changed")
