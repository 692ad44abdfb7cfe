"""Question bank pages (legal office): list, search, edit, preview, import.

Every legal account reads and may use every question (the city's shared bank); only legal accounts whose scope
covers the question's legal office may edit it or change its status — for others those URLs answer 404.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from exams import usage
from exams.bank import importer as _importer  # noqa: F401 - registers the "questions" import kind
from exams.bank import services
from exams.bank.forms import QuestionFilterForm, QuestionForm, StatusForm
from exams.bank.models import KINDS, LETTERS, STATUSES, Question, QuestionVersion
from portal import clock, policy, transaction
from portal.auth.access import current_actor, require
from portal.errors import DomainError, problem
from portal.extensions import db
from portal.forms import apply_errors, int_arg, paginate
from portal.orgs.models import Agency

bp = Blueprint("bank", __name__, template_folder="templates")



def _question_or_404(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    return question


def _editable_or_404(question_id: int) -> Question:
    question = _question_or_404(question_id)
    if not services.can_edit(current_user, question):
        abort(404)
    return question


def _current_version():
    return sa.and_(QuestionVersion.question_id == Question.id, QuestionVersion.version == Question.version)


@bp.route("/exams/questions")
@require("legal")
def questions():
    """The shared bank: search in the stem, filters (kind, category, tag, difficulty, status) in the URL, newest
    first; and the number of active questions per category."""
    form = QuestionFilterForm(request.args)
    query = sa.select(Question).join(QuestionVersion, _current_version())
    q = (request.args.get("q") or "").strip()
    if q:
        query = query.where(QuestionVersion.stem.contains(q, autoescape=True))
    if request.args.get("kind") in KINDS:
        query = query.where(Question.kind == request.args["kind"])
    for name in ("category", "tag"):
        value = (request.args.get(name) or "").strip()
        if value:
            query = query.where(getattr(Question, name) == value)
    if request.args.get("difficulty") in {"1", "2", "3", "4", "5"}:
        query = query.where(Question.difficulty == int_arg(request.args, "difficulty", 1, 1, 5))
    if request.args.get("status") in STATUSES:
        query = query.where(Question.status == request.args["status"])
    query = query.order_by(Question.id.desc())  # ids grow with time: newest first, on the primary key
    page = paginate(query)
    counts = dict(db.session.execute(sa.select(Question.category, sa.func.count()).where(Question.status == "active")
                                     .group_by(Question.category)).all())
    categories = list(policy.get("exams.categories"))
    per_category = [(c, counts.get(c, 0)) for c in categories] + sorted(
        (c, n) for c, n in counts.items() if c not in categories)
    chart = {"type": "bar",
             "data": {"labels": [c for c, _ in per_category],
                      "datasets": [{"label": "启用试题数", "data": [n for _, n in per_category]}]},
             "options": {"indexAxis": "y", "scales": {"x": {"beginAtZero": True, "ticks": {"precision": 0}}}}}
    return render_template("bank/questions.html", form=form, page=page, per_category=per_category, chart=chart,
                           total_active=sum(counts.values()))


def _save_refused(form, err: DomainError) -> list[dict]:
    if err.status == 404:
        abort(404)
    return apply_errors(form, err.items) if err.items else [{"message": err.message}]


@bp.route("/exams/questions/new", methods=["GET", "POST"])
@require("legal")
def new_question():
    """Write a question: kind, stem, options A–F with the key ticked, labels, legal basis, explanation."""
    form = QuestionForm()
    items = []
    if form.validate_on_submit():
        try:
            try:
                with transaction.attempt():
                    question = services.create_question(current_actor(), current_user, form.data_for_service(),
                                                        clock.now(), status=form.status.data or "draft")
            except IntegrityError:
                raise DomainError.invalid([problem("stem", "刚刚有人添加了题干和选项相同的试题，请核对")]) from None
        except DomainError as err:
            items = _save_refused(form, err)
        else:
            flash(f"已添加试题 #{question.id}（{question.status_label}）。", "success")
            return redirect(url_for("bank.question", question_id=question.id))
    return render_template("bank/question_form.html", form=form, items=items, question=None, used=False,
                           letters=LETTERS)


@bp.route("/exams/questions/<int:question_id>")
@require("legal")
def question(question_id: int):
    """A question as the bank holds it: the current content with its key, explanation and legal basis, and every
    version with how many attempts showed it."""
    question = _question_or_404(question_id)
    versions = db.session.scalars(sa.select(QuestionVersion).where(QuestionVersion.question_id == question.id)
                                  .order_by(QuestionVersion.version.desc())).all()
    return render_template("bank/question.html", question=question, version=question.current, versions=versions,
                           used=usage.used_versions(question.id), can_edit=services.can_edit(current_user, question),
                           owner=db.session.get(Agency, question.agency_id), answer_text=services.answer_text)


@bp.route("/exams/questions/<int:question_id>/versions/<int:version>")
@require("legal")
def question_version(question_id: int, version: int):
    """One version of a question as attempts that showed it saw it."""
    question = _question_or_404(question_id)
    shown = db.session.scalar(sa.select(QuestionVersion).where(QuestionVersion.question_id == question.id,
                                                               QuestionVersion.version == version))
    if shown is None:
        abort(404)
    used = usage.used_versions(question.id)
    return render_template("bank/question_version.html", question=question, version=shown,
                           uses=used.get(shown.id, 0), answer_text=services.answer_text)


@bp.route("/exams/questions/<int:question_id>/edit", methods=["GET", "POST"])
@require("legal")
def edit_question(question_id: int):
    """Edit a question of a legal office in the account's scope; says when saving makes a new version."""
    question = _editable_or_404(question_id)
    used = usage.version_is_used(question.current.id)
    form = QuestionForm()
    items = []
    if request.method == "GET":
        form.fill(question)
    elif form.validate_on_submit():
        try:
            try:
                with transaction.attempt():
                    edit = services.update_question(current_actor(), current_user, question.id,
                                                    form.data_for_service(), clock.now())
            except IntegrityError:
                raise DomainError.invalid([problem(
                    "stem", "刚刚有人修改了这道试题或添加了相同的试题，请刷新后重试")]) from None
        except DomainError as err:
            items = _save_refused(form, err)
        else:
            if not edit.changed:
                flash("内容没有变化，未作修改。", "info")
            elif edit.new_version:
                flash(f"已保存为第 {edit.question.version} 版（原版本已被考试使用，保留不变）：修改了{'、'.join(edit.changed)}。",
                      "success")
            else:
                flash(f"已保存：修改了{'、'.join(edit.changed)}。", "success")
            return redirect(url_for("bank.question", question_id=question.id))
    return render_template("bank/question_form.html", form=form, items=items, question=question, used=used,
                           letters=LETTERS)


@bp.route("/exams/questions/<int:question_id>/status", methods=["POST"])
@require("legal")
def set_status(question_id: int):
    """Mark a question draft, active or retired."""
    question = _editable_or_404(question_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with transaction.attempt():
            services.set_status(current_actor(), current_user, question.id, form.status.data or "", clock.now())
    except DomainError as err:
        if err.status == 404:
            abort(404)
        flash(err.message, "error")
    else:
        flash(f"试题 #{question.id} 已设为“{question.status_label}”。", "success")
    return redirect(url_for("bank.question", question_id=question.id))


@bp.route("/exams/questions/<int:question_id>/preview")
@require("legal")
def preview(question_id: int):
    """The question as a candidate sees it: stem and options only — no key, explanation or legal basis."""
    question = _question_or_404(question_id)
    version = question.current
    return render_template("bank/preview.html", question=question, kind=version.kind, stem=version.stem,
                           options=list(zip(LETTERS, version.options, strict=False)))
