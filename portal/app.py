"""The application factory: configuration, extensions, blueprints. No queries, no scheduler."""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.routing import IntegerConverter

from portal import config as config_module
from portal import errors, jsonbody, templating
from portal.extensions import csrf, db, limiter, login_manager, migrate
from portal.transaction import Portal


class DatabaseInt(IntegerConverter):
    """``<int:…>`` in URLs: only ids an INTEGER column can hold; a larger number is a 404, not a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the portal.

    :param overrides: config values that win over the environment (tests use this).
    """
    instance_path = os.environ.get("INSTANCE_PATH") or str(config_module.ROOT / "instance")
    app = Portal(
        __name__,
        instance_path=instance_path,
        static_folder=str(config_module.ROOT / "static"),
        static_url_path="/static",
    )
    app.config.update(config_module.from_environment(None, instance_path))
    app.config.update(overrides or {})
    app.json = jsonbody.BoundedJSONProvider(app)
    app.url_map.converters["int"] = DatabaseInt
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)

    _import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    _register_blueprints(app)
    _register_jobs()
    _register_cli(app)
    return app


def _register_jobs() -> None:
    """Every background job handler and scheduled job, each package's in its ``jobs.py`` (importing one registers
    its jobs with :mod:`portal.background`; the scheduler process runs what is registered here)."""
    from certificates import jobs as _certificates  # noqa: F401 - the daily sweep, legal's batch decisions
    from exams.attempts import jobs as _attempts  # noqa: F401 - attempts handed in at their deadline
    from exams.papers import jobs as _papers  # noqa: F401 - the exams' opening notices
    from exams.results import jobs as _results  # noqa: F401 - the results registry's export
    from portal.imports import jobs as _imports  # noqa: F401 - large imports
    from portal.jobs import scheduled as _platform  # noqa: F401 - e-mail delivery, expiry of export files
    from portal.training import jobs as _training  # noqa: F401 - the shortfall list's export


def _import_models() -> None:
    """Import every model module so the metadata (and Alembic's autogenerate) sees all tables."""
    from certificates import cycle_models as _cycles  # noqa: F401 - reviews, update-test rounds, reminders
    from certificates import eligibility as _certificate_rules  # noqa: F401 - policy settings, the presider check
    from certificates import models as _certificates  # noqa: F401
    from certificates import numbering as _numbering  # noqa: F401 - declares its policy settings
    from certificates import proposal_models as _proposals  # noqa: F401 - proposed revocations 拟注销
    from certificates import sweep as _sweep  # noqa: F401 - the cycle listeners, settings and the daily sweep job
    from certificates.applications import models as _applications  # noqa: F401
    from exams.attempts import models as _attempts  # noqa: F401
    from exams.bank import models as _bank  # noqa: F401
    from exams.papers import models as _papers  # noqa: F401
    from portal import audit, background, notify, policy  # noqa: F401
    from portal.assessment import models as _assessment  # noqa: F401
    from portal.auth import models as _auth  # noqa: F401
    from portal.complaints import models as _complaints  # noqa: F401
    from portal.officers import models as _officers  # noqa: F401
    from portal.orgs import models as _orgs  # noqa: F401
    from portal.training import models as _training  # noqa: F401
    from portal.training import requirements as _requirements  # noqa: F401 - declares its policy settings


def _register_blueprints(app: Flask) -> None:
    from certificates.applications.views import bp as applications_bp
    from certificates.compliance.views import bp as compliance_bp
    from certificates.pdf.views import bp as certificate_pdf_bp
    from certificates.public import bp as certificate_public_bp
    from certificates.register.views import bp as register_bp
    from certificates.reviews.views import bp as reviews_bp
    from certificates.views import bp as certificates_bp
    from exams.attempts.views import bp as attempts_bp
    from exams.bank.views import bp as bank_bp
    from exams.papers.views import bp as papers_bp
    from exams.results.views import bp as results_bp
    from portal.admin.views import bp as admin_bp
    from portal.api import certificates as _api_certificates  # noqa: F401 - registers its endpoints
    from portal.api import officers as _api_officers  # noqa: F401 - registers its endpoints
    from portal.api import training as _api_training  # noqa: F401 - registers its endpoints
    from portal.api import verification as _api_verification  # noqa: F401 - registers its endpoints
    from portal.api.spec import bp as api_bp
    from portal.assessment.views import bp as assessment_bp
    from portal.auth.views import bp as auth_bp
    from portal.auth.views import init_app as init_auth
    from portal.complaints.views import bp as complaints_bp
    from portal.home.views import bp as home_bp
    from portal.imports.views import bp as imports_bp
    from portal.inbox.views import bp as inbox_bp
    from portal.jobs.views import bp as jobs_bp
    from portal.officers import importer as _officer_import  # noqa: F401 - registers the officers import kind
    from portal.officers.views import bp as officers_bp
    from portal.orgs.agencies.views import bp as orgs_bp
    from portal.orgs.bodies.views import bp as bodies_bp
    from portal.orgs.entrustment.views import bp as entrustments_bp
    from portal.public.views import bp as public_bp
    from portal.training import importer as _training_import  # noqa: F401 - registers the training import kind
    from portal.training import shortfall_views as _training_shortfall  # noqa: F401 - its pages on training_bp
    from portal.training.views import bp as training_bp

    for blueprint in (home_bp, auth_bp, officers_bp, orgs_bp, admin_bp, api_bp, imports_bp, jobs_bp, inbox_bp,
                      training_bp, assessment_bp, bank_bp, papers_bp, attempts_bp, results_bp, certificates_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(applications_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(bodies_bp)
    app.register_blueprint(entrustments_bp)
    app.register_blueprint(complaints_bp)
    app.register_blueprint(register_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(certificate_pdf_bp)
    app.register_blueprint(certificate_public_bp)
    app.register_blueprint(compliance_bp)
    init_auth(app)


def _register_cli(app: Flask) -> None:
    from portal import cli

    cli.init_app(app)
