"""Moves the clock of every Python process started with this folder on ``PYTHONPATH`` ``TIME_SHIFT_DAYS`` whole
days ahead: ``.ci/run`` runs one pass of the suite so, to prove that no test depends on the day it runs.

time-machine (a dev dependency) moves the wall clock only (``time.time``, ``datetime.now``, ``date.today`` …) and
lets it tick; monotonic clocks, sleeps and timed waits are untouched, which libfaketime under Python 3.11 cannot
promise (it hangs ``Event.wait(t)`` or makes ``time.sleep`` fail with EINVAL). Every process moves by the same
number of days, so a test and the ``flask`` processes it starts agree on the date. A Python without time-machine
(the one that creates the virtual environment) starts unmoved; ``tests/conftest.py`` fails the run if pytest's
own process did not move.
"""
import os

SHIFTED_DAYS = 0
_days = os.environ.get("TIME_SHIFT_DAYS", "").strip()
if _days:
    try:
        import time_machine
    except ImportError:
        pass
    else:
        import datetime

        time_machine.travel(datetime.timedelta(days=int(_days)), tick=True).start()
        SHIFTED_DAYS = int(_days)
