"""Two people at once: run each operation in its own thread, app context, connection and transaction, released
together by a barrier, each holding its transaction open a little so the others really wait for its lock."""
from __future__ import annotations

import threading
import time

from portal.errors import DomainError
from portal.extensions import db
from tests.conftest import PATIENCE


def at_once(app, *operations) -> list[str]:
    """Each ``operation()``'s outcome, in order: ``"ok"`` when it committed, else the :class:`DomainError` code
    (anything else is returned as its ``repr`` so that the assertion shows it). An operation must read what it
    changes by id inside itself: objects of the caller's session belong to the caller's thread."""
    barrier = threading.Barrier(len(operations), timeout=PATIENCE)
    outcomes: list = [None] * len(operations)

    def run(index, operation):
        with app.app_context():
            try:
                barrier.wait()
                operation()
                time.sleep(0.05)
                db.session.commit()
                outcomes[index] = "ok"
            except DomainError as error:
                db.session.rollback()
                outcomes[index] = error.code
            except Exception as error:  # reported by the caller's assertion
                db.session.rollback()
                outcomes[index] = repr(error)

    threads = [threading.Thread(target=run, args=(i, op)) for i, op in enumerate(operations)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE)
    return outcomes
