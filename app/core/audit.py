"""Writing the audit log. Every state change by staff, moderators and admins comes through here."""

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from app.core.models import AuditEntry
from app.extensions import db


def record_audit(
    action: str,
    obj: Any = None,
    *,
    actor: Any = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry. The actor defaults to the logged-in user; the caller's transaction commits it."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", "") or "",
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "id", "") or "") if obj is not None else "",
        reason=reason or "",
        details=details or {},
        ip_address=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(entry)
    db.session.flush()
    return entry
