"""Review pages (SPEC §2.8 审核确认): the due list in scope, HR's submission with the facts of the period and the
recommendation, the legal office's decision one by one or many at once (a background job with a progress bar)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from certificates import batch as batches
from certificates import due
from certificates.cycle_models import Review
from certificates.reviews import listing, period, services
from certificates.reviews.forms import ConfirmForm, DueFilterForm, RejectForm, SubmitForm
from portal import clock, transaction
from portal.auth.access import current_actor, get_in_scope_or_404, require, scoped_agencies
from portal.errors import DomainError
from portal.forms import apply_errors, paginate_list
from portal.templating import cn_date

bp = Blueprint("reviews", __name__, template_folder="templates")



@bp.context_processor
def _helpers():
    def cn_iso(text: str | None) -> str:
        return cn_date(dt.date.fromisoformat(text)) if text else ""

    return {"css_due": due.css_class, "describe_due": due.describe, "cn_iso": cn_iso, "basis": services.BASIS}


@bp.route("/reviews")
@require("hr", "legal")
def index():
    """Officers in scope whose review is due within 60 days or overdue (coloured), by agency, with the state of the
    current cycle's review. HR submits from here; legal ticks submitted reviews and decides them as one batch."""
    today = clock.today()
    agencies = scoped_agencies(current_user)
    form = DueFilterForm(request.args)
    form.agency.choices = [("", "全部单位")] + [(str(a.id), "\u3000" * a.depth + a.short_name) for a in agencies]
    chosen = next((a for a in agencies if str(a.id) == request.args.get("agency", "")), None)
    state = request.args.get("state", "")
    lines = listing.due_list(current_user, today, agency=chosen, state=state if state in listing.STATES else "",
                             q=request.args.get("q", ""))
    page = paginate_list(lines)
    counts = {"overdue": sum(1 for line in lines if line.css == due.CSS_OVERDUE),
              "soon": sum(1 for line in lines if line.css == due.CSS_DUE_SOON),
              "submitted": sum(1 for line in lines if line.state == "submitted")}
    return render_template("reviews/index.html", form=form, page=page, counts=counts, today=today,
                           batch=services.BATCH.form() if current_user.role == "legal" else None)


def _render_new(certificate, form: SubmitForm, status: int = 200):
    today = clock.today()
    refused = services.refusal(certificate, today)
    judged = period.assess(certificate, today) if certificate.type == "enforcement" else None
    return render_template("reviews/new.html", certificate=certificate, form=form, judged=judged, refused=refused,
                           current=services.open_review(certificate.id), history=services.history(certificate.id),
                           today=today), status


@bp.route("/reviews/new", methods=["GET", "POST"])
@require("hr")
def new():
    """The facts of the period pre-filled, each criterion of the recommendation with pass/fail; HR adds a note and
    submits. ``?certificate=<number>``; without it, back to the due list."""
    raw = request.args.get("certificate", "")
    if not raw:
        flash("请在待审核确认名单中选择要提交审核的人员。", "info")
        return redirect(url_for("reviews.index"))
    certificate = services.certificate_by_number(current_user, raw)
    if certificate is None:
        abort(404)
    form = SubmitForm()
    if request.method == "GET":
        return _render_new(certificate, form)
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            abort(400)
        return _render_new(certificate, form, 422)
    try:
        with transaction.attempt():
            row = services.submit(current_actor(), current_user, certificate, form.note.data or "", clock.now())
    except DomainError as err:
        if err.status == 404:
            abort(404)
        rest = apply_errors(form, err.items)
        if rest or not err.items:
            flash(err.message, "danger")
        return _render_new(certificate, form, err.status)
    flash(f"已提交{certificate.officer.name}的审核确认，等待法制机构确认。", "success")
    return redirect(url_for("reviews.detail", review_id=row.id))


def _render_detail(review: Review, status: int = 200, **forms):
    values = {"confirm_form": ConfirmForm(formdata=None), "reject_form": RejectForm(formdata=None)}
    values.update(forms)
    return render_template("reviews/detail.html", review=review, certificate=review.certificate,
                           history=services.history(review.certificate_id), **values), status


@bp.route("/reviews/<int:review_id>")
@require("hr", "legal")
def detail(review_id: int):
    """A review: the facts of the period and the criteria as submitted, HR's note, and the decision (legal's forms
    while it is open; for a rejected review, the way to the certificate page's revocation)."""
    return _render_detail(get_in_scope_or_404(Review, review_id))


def _decide(review_id: int, form, form_name: str, operation, done: str):
    review = get_in_scope_or_404(Review, review_id)
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            abort(400)
        return _render_detail(review, 422, **{form_name: form})
    try:
        with transaction.attempt():
            operation(review)
    except DomainError as err:
        if err.status == 404:
            abort(404)
        rest = apply_errors(form, err.items)
        if err.status == 422 and err.items and not rest:
            return _render_detail(review, 422, **{form_name: form})
        flash(err.message, "danger")
        return redirect(url_for("reviews.detail", review_id=review_id))
    flash(done, "success")
    return redirect(url_for("reviews.detail", review_id=review_id))


@bp.route("/reviews/<int:review_id>/confirm", methods=["POST"])
@require("legal")
def confirm(review_id: int):
    return _decide(review_id, ConfirmForm(), "confirm_form",
                   lambda r: services.confirm(current_actor(), current_user, r, clock.now()),
                   "审核确认已通过，下次到期日已顺延两年，并已通知本人和人事管理员。")


@bp.route("/reviews/<int:review_id>/reject", methods=["POST"])
@require("legal")
def reject(review_id: int):
    form = RejectForm()
    return _decide(review_id, form, "reject_form",
                   lambda r: services.reject(current_actor(), current_user, r, form.reason.data, clock.now()),
                   "已作出不予确认决定，证件已暂扣，并已通知本人和人事管理员。")


@bp.route("/reviews/batch", methods=["POST"])
@require("legal")
def batch():
    """Queue the ticked reviews' decision as a background job and show its progress."""
    return batches.queue_view(services.BATCH)


@bp.route("/reviews/batches/<int:job_id>")
@require("legal")
def batch_job(job_id: int):
    """The batch job's progress bar, then each failure with its reason."""
    return batches.job_view(services.BATCH, job_id)
