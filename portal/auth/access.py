"""The one access helper every view uses.

* :func:`require` — the roles that may use a view: anonymous users are sent to sign in (401 on the API),
  other roles get 403.
* :func:`scope_condition` / :func:`in_scope` / :func:`get_in_scope_or_404` — the agencies an account may see:
  each scope node with everything below it; admin sees all; an object outside the scope answers 404.
"""
from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user

from portal.audit import Actor
from portal.auth.models import User, user_scope
from portal.extensions import db, login_manager
from portal.orgs.agencies.services import tree_order
from portal.orgs.models import Agency

PUBLIC = "public"


def require(*roles: str):
    """Allow a view to the given roles only."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = tuple(roles)
        return wrapped

    return decorate


def public(view):
    """Mark a view as open to everyone (the route × role test checks every view is marked one way or the other)."""
    view.access = PUBLIC
    return view


def scope_paths(user) -> list[str] | None:
    """The tree paths of the account's scope nodes; ``None`` means everything (admin)."""
    if user.role == "admin":
        return None
    if user.role not in ("hr", "legal"):
        return []
    return [agency.path for agency in user.scopes]


def agencies_in_scope(user):
    """A SELECT of the ids of every agency the account may see."""
    paths = scope_paths(user)
    query = sa.select(Agency.id)
    if paths is None:
        return query
    if not paths:
        return query.where(sa.false())
    return query.where(sa.or_(*[Agency.path.startswith(path, autoescape=True) for path in paths]))


def users_covering(agency_id: int):
    """A SELECT of the ids of accounts whose scope includes ``agency_id`` (a scope node at or above it)."""
    agency = db.session.get(Agency, agency_id)
    ancestors = [int(part) for part in agency.path.strip("/").split("/")] if agency is not None else []
    return sa.select(user_scope.c.user_id).where(user_scope.c.agency_id.in_(ancestors or [-1]))


def legal_covering(agency_id: int) -> list[User]:
    """The active legal-office accounts whose scope includes ``agency_id``: who is told of what concerns it."""
    return list(db.session.scalars(sa.select(User).where(
        User.role == "legal", User.active.is_(True), User.id.in_(users_covering(agency_id))).order_by(User.id)))


def scope_condition(user, agency_id_column):
    """A SQL condition limiting ``agency_id_column`` to the account's scope."""
    if user.role == "admin":
        return sa.true()
    return agency_id_column.in_(agencies_in_scope(user))


def in_scope(user, agency_id: int | None) -> bool:
    """True when the account may see objects of ``agency_id``."""
    if agency_id is None:
        return user.role == "admin"
    paths = scope_paths(user)
    if paths is None:
        return True
    agency = db.session.get(Agency, agency_id)
    return agency is not None and any(agency.path.startswith(path) for path in paths)


def get_in_scope_or_404(model, object_id, user=None):
    """Load ``model`` by id, answering 404 when it does not exist or lies outside the account's scope."""
    user = user or current_user
    obj = db.session.get(model, object_id)
    if obj is None or not in_scope(user, obj.agency_id):
        abort(404)
    return obj


def scoped_agencies(user):
    """The agencies in scope, in tree order."""
    agencies = db.session.scalars(sa.select(Agency).where(Agency.id.in_(agencies_in_scope(user)))).all()
    return tree_order(agencies)


def current_actor() -> Actor:
    """The signed-in user as an audit actor, with the client's address."""
    label = current_user.username or f"officer:{current_user.officer_id}"
    return Actor(current_user.id, label, request.remote_addr, name=current_user.display_name)
