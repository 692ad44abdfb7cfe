"""Work for scheduler processes that the app itself knows how to do: officer imports as background jobs, and
notification e-mails."""
from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa

from portal import audit, background, clock, notify
from portal.background import Job
from portal.extensions import db
from portal.officers.models import Officer
from tests.factories import make_id_number

HEADER = "姓名,身份证号,单位,岗位,执法类别,执法区域,手机,邮箱,入职日期,人员类别"


def officers_csv(agency_name: str, first: int, count: int) -> bytes:
    """A CSV of ``count`` new officers whose ID numbers start at sequence ``first`` (UTF-8 with BOM)."""
    lines = [HEADER]
    for n in range(first, first + count):
        born = dt.date(1980, 1, 1) + dt.timedelta(days=n)
        name = "测试" + "".join("零一二三四五六七八九"[int(d)] for d in str(n))
        lines.append(f"{name},{make_id_number(born, n, region='371083')},{agency_name},执法队员,城市管理,"
                     f"全域,139{n:08d},,2015-08-01,公务员")
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def enqueue_import(user, agency, first: int, count: int) -> int:
    """Queue an officers import of ``count`` rows as ``user``; commits; returns the job id."""
    actor = audit.Actor(user.id, user.username)
    job = background.enqueue(actor, "import", f"导入执法人员：批次{first}.csv",
                             {"kind": "officers", "filename": f"批次{first}.csv"},
                             payload=officers_csv(agency.name, first, count))
    db.session.commit()
    return job.id


def notify_many(users, count: int, tag: str) -> list[int]:
    """``count`` notifications spread over ``users`` (who have addresses); commits; returns their ids."""
    ids = []
    for n in range(count):
        note = notify.user(users[n % len(users)], f"{tag} 第{n + 1}条通知", f"这是{tag}的第{n + 1}条通知。")
        ids.append(note.id)
    db.session.commit()
    return ids


def mail_due_now() -> None:
    """Make the ``mail`` job look as if it last ran a day ago, so the next scheduler to start catches it up."""
    state = db.session.get(background.SchedulerState, "mail") or background.SchedulerState(name="mail")
    state.last_run_at = clock.now() - dt.timedelta(days=1)
    db.session.add(state)
    db.session.commit()


def jobs() -> dict[int, Job]:
    db.session.expire_all()
    return {job.id: job for job in db.session.scalars(sa.select(Job)).all()}


def email_states(ids) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(notify.Notification.email_status, sa.func.count())
                              .where(notify.Notification.id.in_(list(ids)))
                              .group_by(notify.Notification.email_status)).all()
    return dict(rows)


def officer_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Officer))


def away_from_the_minute() -> None:
    """Wait until the wall clock is well inside a minute, so the every-minute ``mail`` job cannot fire while a
    step of a test is under way."""
    second = dt.datetime.now().second
    if second < 2:
        time.sleep(2.2 - second)
    elif second > 44:
        time.sleep(62.2 - second)
