"""Role checks made on the server for every request."""

from functools import wraps

from flask import abort
from flask_login import current_user

from app.extensions import login_manager

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
