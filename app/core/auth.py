"""Role checks made on the server for every request."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from app.extensions import db, login_manager

T = TypeVar("T")

ROLES = ("citizen", "moderator", "staff", "facilitator", "admin")


def has_any_role(user, *roles: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(user.has_role(role) for role in roles)


def roles_required(*roles: str):
    """Nobody is sent to log in; a user without one of ``roles`` gets 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_any_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def load_permitted(model: type[T], ident: Any, can: Callable[[T, Any], bool]) -> T:
    """The row a page is about, for the person asking: 404 when there is none, 403 when ``can(row,
    current_user)`` says no. ``can`` is a model's ``can_<verb>`` (``CommentPeriod.can_edit``) or a
    feature's rule of the same shape."""
    row = db.get_or_404(model, ident)
    if not can(row, current_user):
        abort(403)
    return row
