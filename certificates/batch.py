"""One batch decision for the legal office's two queues — certificate applications (批准 / 不予批准) and two-year
reviews (确认通过 / 不予确认). Legal ticks items on the list; the decision is queued as a background job whose page
shows its progress; each item is decided in its own savepoint, so one that is refused (decided meanwhile, no longer
eligible, out of scope) is reported with its reason and the others go on. The decisions commit with the job's final
status (``background.run_one``): all together, or — if the job itself fails — not at all.

A queue declares its :class:`Batch` (the words, the model, how one item is decided), which ``certificates.jobs``
registers, and routes two URLs to :func:`queue_view` and :func:`job_view`; the form is :meth:`Batch.form`, the
pages ``certificates/batch.html`` and the ``batch_fieldset`` macro of ``certificates/_batch.html``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from wtforms import RadioField, TextAreaField

from portal import audit, background, clock, transaction
from portal.auth.access import current_actor, scope_condition
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import Form, parse_id

#: items one batch may hold, and the length of a refusal's reason
BATCH_MAX = 2000
REASON_MAX = 500
#: what the list shows again after a refused batch (kept in the cookie session: one page of ticks, a short reason)
KEEP_MAX_IDS = 200
KEEP_MAX_REASON = 200


class BatchForm(Form):
    """The decision and, for a refusal, its reason (choices and labels from the :class:`Batch`)."""

    decision = RadioField("批量处理", choices=[], validate_choice=False)  # checked by Batch.queue, beside the field
    reason = TextAreaField("理由", render_kw={"rows": 2})


@dataclass(frozen=True)
class Batch:
    """A queue legal decides in batches.

    :param kind: the background job's kind.
    :param model: the items' model (with ``agency_id``, ``status`` and ``officer``).
    :param open_status: the status of an item still to be decided.
    :param noun: one item in words (申请, 审核); ``title`` the queue's name (证件申请, 审核确认).
    :param yes: the granting decision's code and words; ``no`` the refusing one's (which needs a reason).
    :param decide: ``decide(actor, user, item, decision, reason, now)`` decides one item; it returns the certificate
        number it issued, if any.
    :param detail: an item's page: its endpoint and the name of its id argument; ``listing`` the queue's list
        (endpoint and arguments); ``job_endpoint`` a batch job's page (argument ``job_id``).
    """

    kind: str
    model: type
    open_status: str
    noun: str
    title: str
    yes: tuple[str, str]
    no: tuple[str, str]
    decide: Callable
    detail: tuple[str, str]
    listing: tuple[str, dict]
    job_endpoint: str

    @property
    def words(self) -> dict[str, str]:
        return dict((self.yes, self.no))

    def detail_url(self, item_id: int) -> str:
        return url_for(self.detail[0], **{self.detail[1]: item_id})

    def list_url(self) -> str:
        return url_for(self.listing[0], **self.listing[1])

    def form(self) -> BatchForm:
        """The list's batch form. No decision is chosen in advance (a clerk picks 批准 or its refusal each time);
        after a refusal of the batch the list shows again what was ticked, chosen and typed, with the error beside
        its field (``form.ticked``: the ticked ids)."""
        form = BatchForm()
        form.decision.choices = [self.yes, self.no]
        form.reason.label.text = f"{self.no[1]}的理由（{self.yes[1]}时可不填）"
        form.ticked = set()
        kept = session.pop(self._kept_key, None) if request.method == "GET" else None
        if kept:
            form.ticked = set(kept["ids"])
            form.decision.data = kept["decision"] if kept["decision"] in self.words else None
            form.reason.data = kept["reason"]
            for item in kept["items"]:
                field = getattr(form, item.get("field") or "", None)
                if isinstance(field, (RadioField, TextAreaField)):
                    field.errors = [item["message"]]
        return form

    @property
    def _kept_key(self) -> str:
        return f"batch:{self.kind}"

    def queue(self, actor: audit.Actor, user: User, ids: list[int], decision: str, reason: str,
              now: dt.datetime) -> background.Job:
        """Check the ticked items and queue their decision (:class:`DomainError` beside the field at fault)."""
        if decision not in self.words:
            raise DomainError.invalid_field("decision", f"请选择{'或'.join(self.words.values())}")
        reason = (reason or "").strip()
        if decision == self.no[0] and not reason:
            raise DomainError.invalid_field("reason", f"{self.no[1]}须写明理由")
        if len(reason) > REASON_MAX:
            raise DomainError.invalid_field("reason", f"理由不能超过 {REASON_MAX} 个字")
        ids = sorted(set(ids))
        if not ids:
            raise DomainError.invalid_field("ids", f"请至少勾选一项{self.noun}")
        if len(ids) > BATCH_MAX:
            raise DomainError.invalid_field("ids", f"一次最多处理 {BATCH_MAX} 项{self.noun}")
        found = db.session.scalar(sa.select(sa.func.count()).select_from(self.model).where(
            self.model.id.in_(ids), self.model.status == self.open_status,
            scope_condition(user, self.model.agency_id)))
        if found != len(ids):
            raise DomainError.invalid_field(
                "ids", f"所选{self.noun}中有的已被处理或不在您的管辖范围内，请刷新页面后重新勾选", status=409)
        return background.enqueue(actor, self.kind, f"批量{self.words[decision]}{self.title}（{len(ids)} 项）",
                                  {"ids": ids, "decision": decision, "reason": reason}, now=now)

    def run(self, job: background.Job, progress: background.Progress) -> dict:
        """The job: each item in its own savepoint; returns what was done and each refusal with its reason."""
        user = db.session.get(User, job.created_by)
        if user is None or not user.active or user.role != "legal":
            raise DomainError("not_allowed", "提交作业的账号已停用或不再是法制机构审核员")
        actor = audit.Actor(user.id, user.username or str(user.id), name=user.display_name)
        ids, decision, reason = job.params["ids"], job.params["decision"], job.params.get("reason", "")
        done, failures, numbers = 0, [], []
        for index, item_id in enumerate(ids):
            item = db.session.get(self.model, item_id)
            try:
                with transaction.savepoint():
                    if item is None:
                        raise DomainError.not_found(f"{self.noun}不存在")
                    number = self.decide(actor, user, item, decision, reason, clock.now())
                done += 1
                if number:
                    numbers.append(number)
            except DomainError as err:
                name = item.officer.name if item is not None else f"#{item_id}"
                failures.append({"id": item_id, "name": name, "message": err.message})
            progress.update(index + 1, len(ids), f"已处理 {index + 1} / {len(ids)} 项")
        return {"decision": decision, "done": done, "failed": failures, "numbers": numbers, "total": len(ids)}


def register(batch: Batch) -> Batch:
    """Declare a queue's batch: its job handler is registered with the background jobs."""
    background.handler(batch.kind)(batch.run)
    return batch


def queue_view(batch: Batch):
    """POST of the list's batch form: queue the ticked items' decision and show its progress (a refusal is
    flashed on the list)."""
    form = batch.form()
    if not form.validate_on_submit():
        abort(400)
    ids = [value for value in (parse_id(v) for v in request.form.getlist("ids")) if value]
    try:
        with transaction.attempt():
            job = batch.queue(current_actor(), current_user, ids, form.decision.data, form.reason.data or "",
                              clock.now())
    except DomainError as err:
        flash(err.items[0]["message"] if err.items else err.message, "danger")
        # kept in the (cookie) session, so bounded: one page's ticks at most, a short reason (a longer one is typed
        # again rather than coming back cut)
        reason = form.reason.data or ""
        session[batch._kept_key] = {"ids": ids[:KEEP_MAX_IDS], "decision": form.decision.data or "",
                                    "reason": reason if len(reason) <= KEEP_MAX_REASON else "", "items": err.items[:3]}
        return redirect(batch.list_url())
    return redirect(url_for(batch.job_endpoint, job_id=job.id))


def job_view(batch: Batch, job_id: int) -> str:
    """The batch job's progress bar, then the outcome: each refusal with its reason, the numbers issued. Only the
    job's owner sees it (404 otherwise)."""
    job = db.session.get(background.Job, job_id)
    if job is None or job.kind != batch.kind or job.created_by != current_user.id:
        abort(404)
    return render_template("certificates/batch.html", job=job, batch=batch)
