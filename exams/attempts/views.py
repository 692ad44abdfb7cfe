"""Attempt pages: start, answer (with autosave), submit, result — the officer's own attempts only.

Every page works without JavaScript: moving between questions is a form POST that saves the answer shown and
redirects (PRG). ``static/js/attempt.js`` adds the countdown and saves each answer as it is chosen through the
JSON endpoint. An open attempt's pages carry no key: options are posted as the indices shown, never as letters.
A request touching an attempt past its deadline finalizes it first.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from exams.attempts import grading, jobs, services  # noqa: F401 - jobs declares the scheduled finalization
from exams.attempts.models import Attempt
from exams.bank.models import LETTERS, TRUE_FALSE
from exams.papers.models import Exam
from portal import clock, transaction
from portal.auth.access import current_actor, require
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import ActionForm

bp = Blueprint("attempts", __name__, template_folder="templates")


def _own(attempt_id: int) -> Attempt:
    """The signed-in officer's attempt, else 404."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.officer_id != current_user.officer_id:
        abort(404)
    return attempt


def _exam_list_url() -> str:
    return url_for("papers.mine") if "papers.mine" in current_app.view_functions else url_for("home.dashboard")


def _time_up(attempt: Attempt, message: str):
    """Send the officer to the result with ``message`` (the request commits the finalization)."""
    flash(message, "error")
    return redirect(url_for("attempts.result", attempt_id=attempt.id))


def _expire(attempt: Attempt, unsaved: bool):
    """When the attempt's deadline has passed: finalize it and answer with the result page (else ``None``)."""
    now = clock.now()
    if attempt.status == "open" and now >= attempt.deadline:
        services.finalize_if_due(attempt, now, current_actor())
        return _time_up(attempt, services.TimeUp(attempt, unsaved).message)
    return None


def _not_open(attempt: Attempt):
    """For the pages of an open paper: the result page when the attempt is final or its deadline has just passed
    (finalizing it), else ``None``."""
    if attempt.is_final:
        return redirect(url_for("attempts.result", attempt_id=attempt.id))
    return _expire(attempt, unsaved=False)


def _position(value, attempt: Attempt) -> int:
    return min(services.number(value) or 1, len(attempt.items) or 1)


@bp.route("/exams/<int:exam_id>/start", methods=["POST"])
@require("officer")
def start(exam_id: int):
    """Start the exam (draw the paper) or resume the open attempt; a refusal says why on the exam list."""
    exam = db.session.get(Exam, exam_id)
    if exam is None or exam.status != "published":
        abort(404)
    now = clock.now()
    services.finalize_due(now, exam_id=exam.id, officer_id=current_user.officer_id)
    try:
        with transaction.savepoint():  # an overdue attempt is handed in even if the new start is refused
            attempt = services.start(current_actor(), current_user.officer, exam, now)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(_exam_list_url())
    return redirect(url_for("attempts.take", attempt_id=attempt.id))


def _question(item) -> dict:
    """What the page shows of one question: stem and options in the candidate's order — never the key."""
    version = item.version
    if version.kind == "true_false":
        options = [{"value": code, "label": label, "text": "", "checked": item.response == code}
                   for code, label in TRUE_FALSE.items()]
    else:
        options = [{"value": str(i), "label": LETTERS[i], "text": version.options[LETTERS.index(letter)],
                    "checked": letter in (item.response or "")} for i, letter in enumerate(item.option_order)]
    return {"position": item.position, "kind": version.kind, "kind_label": version.kind_label, "stem": version.stem,
            "points": item.points, "options": options}


@bp.route("/attempts/<int:attempt_id>")
@require("officer")
def take(attempt_id: int):
    """One question of the paper (``?n=``), the palette of question numbers and the countdown."""
    attempt = _own(attempt_id)
    elsewhere = _not_open(attempt)
    if elsewhere:
        return elsewhere
    position = _position(request.args.get("n"), attempt)
    item = attempt.items[position - 1]
    sections = {s.id: s for s in attempt.exam.sections}
    section = sections.get(item.section_id)
    return render_template("attempts/take.html", attempt=attempt, exam=attempt.exam, item=item,
                           question=_question(item), section=section, form=ActionForm(),
                           now=clock.now(), answered=sum(1 for i in attempt.items if i.response))


@bp.route("/attempts/<int:attempt_id>/answer", methods=["POST"])
@require("officer")
def answer(attempt_id: int):
    """Save the answer shown (without JavaScript) and go to another question (``go`` = prev, next, a number,
    clear or submit)."""
    attempt = _own(attempt_id)
    if attempt.is_final:
        flash("本次考试已交卷，答案不能再修改。", "error")
        return redirect(url_for("attempts.result", attempt_id=attempt.id))
    expired = _expire(attempt, unsaved=True)
    if expired:
        return expired
    go = request.form.get("go", "")
    position = _position(request.form.get("position"), attempt)
    if request.form.get("position"):
        chosen = [] if go == "clear" else request.form.getlist("choice")
        try:
            with transaction.attempt(keep=(services.TimeUp,)):
                services.save_answer(current_actor(), attempt, request.form.get("position"), chosen, clock.now())
        except services.TimeUp as err:
            return _time_up(attempt, err.message)
        except DomainError as err:
            flash(f"第 {position} 题答案未保存：{err.message}", "error")
            return redirect(url_for("attempts.take", attempt_id=attempt.id, n=position))
    if go == "submit":
        return redirect(url_for("attempts.confirm", attempt_id=attempt.id))
    if go == "prev":
        position -= 1
    elif go == "next":
        position += 1
    elif services.number(go) is not None:
        position = services.number(go)
    return redirect(url_for("attempts.take", attempt_id=attempt.id, n=_position(position, attempt)))


def _json_error(status: int, code: str, message: str, **extra):
    return jsonify({"saved": False, "error": {"code": code, "message": message}, **extra}), status


@bp.route("/attempts/<int:attempt_id>/save", methods=["POST"])
@require("officer")
def save(attempt_id: int):
    """Autosave one answer: JSON ``{"position", "choice": [...]}`` (option indices as shown, or ``T``/``F``)."""
    attempt = _own(attempt_id)
    result_url = url_for("attempts.result", attempt_id=attempt.id)
    data = request.get_json(silent=True)
    if (not isinstance(data, dict) or not isinstance(data.get("choice"), list)
            or not all(isinstance(c, (str, int)) and not isinstance(c, bool) for c in data["choice"])
            or len(data["choice"]) > len(LETTERS) or not isinstance(data.get("position"), (int, str))):
        return _json_error(400, "bad_request", "请求格式有误，请刷新页面后重试")
    now = clock.now()
    try:
        with transaction.attempt(keep=(services.TimeUp,)):
            services.save_answer(current_actor(), attempt, data["position"], data["choice"], now)
    except services.TimeUp as err:  # handed in at the deadline: the request commits that
        return _json_error(409, err.code, err.message, final=True, redirect=result_url)
    except DomainError as err:
        if err.code == "attempt_final":
            return _json_error(409, err.code, err.message, final=True, redirect=result_url)
        return _json_error(err.status, err.code, err.message)
    return jsonify({"saved": True, "position": services.number(data["position"]),
                    "answered": sum(1 for i in attempt.items if i.response), "total": len(attempt.items),
                    "deadline": attempt.deadline.isoformat(), "now": now.isoformat(timespec="milliseconds")})


@bp.route("/attempts/<int:attempt_id>/submit")
@require("officer")
def confirm(attempt_id: int):
    """The confirmation before handing in: which questions are still unanswered."""
    attempt = _own(attempt_id)
    elsewhere = _not_open(attempt)
    if elsewhere:
        return elsewhere
    unanswered = [i.position for i in attempt.items if not i.response]
    return render_template("attempts/confirm.html", attempt=attempt, exam=attempt.exam, unanswered=unanswered,
                           form=ActionForm(), now=clock.now())


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@require("officer")
def submit(attempt_id: int):
    """Hand in the paper: graded at once; a second submission changes nothing."""
    attempt = _own(attempt_id)
    try:
        finished = services.submit(current_actor(), attempt, clock.now())
    except services.TimeUp as err:
        return _time_up(attempt, err.message)
    if finished:
        flash("已交卷。", "success")
    return redirect(url_for("attempts.result", attempt_id=attempt.id))


def _corrections(attempt: Attempt) -> list[dict]:
    """Each question as the candidate saw it (its version, its option order) with their answer and the key."""
    rows = []
    for item in attempt.items:
        version = item.version
        if version.kind == "true_false":
            options = []
        else:
            options = [{"label": LETTERS[i], "text": version.options[LETTERS.index(letter)],
                        "correct": letter in version.answer, "chosen": letter in (item.response or "")}
                       for i, letter in enumerate(item.option_order)]
        rows.append({"position": item.position, "kind_label": version.kind_label, "stem": version.stem,
                     "options": options, "points": item.points, "mark": item.mark or 0,
                     "response": grading.displayed(item.option_order, item.response) or "未作答",
                     "key": grading.displayed(item.option_order, version.answer),
                     "explanation": version.explanation, "legal_basis": version.legal_basis})
    return rows


@bp.route("/attempts/<int:attempt_id>/result")
@require("officer")
def result(attempt_id: int):
    """Score and pass/fail at once; the corrections only once the exam's window has closed."""
    attempt = _own(attempt_id)
    if not attempt.is_final:
        expired = _expire(attempt, unsaved=False)
        if expired:
            return expired
        flash("本次考试尚未交卷。", "warning")
        return redirect(url_for("attempts.take", attempt_id=attempt.id))
    now = clock.now()
    exam = attempt.exam
    closed = exam.has_closed(now)
    return render_template("attempts/result.html", attempt=attempt, exam=exam, closed=closed,
                           corrections=_corrections(attempt) if closed else None,
                           answered=sum(1 for i in attempt.items if i.response), back_url=_exam_list_url())
