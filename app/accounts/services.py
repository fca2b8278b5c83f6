"""Accounts: passwords, logins, roles. Each function flushes; the caller commits."""

from dataclasses import dataclass
from datetime import date, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from app.accounts import throttle
from app.accounts.messages import PASSWORD_PROBLEMS, error_message
from app.accounts.models import User, UserRole, new_session_token
from app.accounts.passwords import password_problem
from app.core.audit import record_audit
from app.core.auth import ROLES
from app.core.errors import DomainError
from app.core.models import AuditEntry
from app.core.timeutil import jst_start_of_day, utcnow
from app.extensions import db

# argon2id with the library's defaults (64 MiB, 3 passes): memory-hard, as the design asks.
_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(DomainError, ValueError):
    """A rule was broken; ``code`` names which. A problem of a new password belongs next to it."""

    def __init__(self, code: str):
        super().__init__(code, "new" if code in PASSWORD_PROBLEMS else None)

    def describe(self) -> str:
        return error_message(self.code)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and user is not None


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    email: str,
    password: str,
    roles: list[str] | tuple[str, ...] = (),
    *,
    display_name: str = "",
    department: str = "",
    actor: User | None = None,
) -> User:
    email = email.strip().lower()
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise AccountError("unknown_role")
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem)
    if find_user(email) is not None:
        raise AccountError("email_taken")
    user = User(email=email, password_hash=hash_password(password), display_name=display_name,
                department=department)
    user.role_rows = [UserRole(role=role) for role in dict.fromkeys(roles)]
    db.session.add(user)
    db.session.flush()
    record_audit("user.create", user, actor=actor, details={"roles": sorted(user.roles)})
    return user


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None  # "invalid" or "locked"
    wait_seconds: int = 0  # when locked, until another try is taken


def authenticate(email: str, password: str, address: str) -> LoginResult:
    """Check a login; every attempt is logged. Repeated failures for one email from one client address
    make that pair wait (app.accounts.throttle), whether or not the email has an account: the owner
    elsewhere is not locked out, and the answers do not tell which emails exist."""
    email = email.strip().lower()[:255]
    user = find_user(email)
    wait = throttle.wait_seconds(email, address)
    if wait:
        record_audit("auth.login_locked", user, actor=user, details={"email": email})
        return LoginResult(None, "locked", wait)
    if not check_password(user, password) or (user is not None and not user.active):
        wait = throttle.note_failure(email, address)
        record_audit("auth.login_failed", user, actor=user, details={"email": email})
        return LoginResult(None, "locked" if wait else "invalid", wait)
    throttle.forget_failures(email, address)
    user.last_login_at = utcnow()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record_audit("auth.login", user, actor=user)
    db.session.flush()
    return LoginResult(user)


def record_logout(user: User) -> None:
    """Logging out rotates the session token: a copied session or remember-me cookie, which carries
    the old token, no longer logs anyone in. (The user's other devices are logged out too: sessions
    are not stored one by one.)"""
    user.session_token = new_session_token()
    record_audit("auth.logout", user, actor=user)


def change_password(user: User, current: str, new: str) -> None:
    """A new password must not be an easy one (app.accounts.passwords), and ends every other
    session: the token in their cookies no longer matches."""
    if not check_password(user, current):
        raise AccountError("wrong_password")
    problem = password_problem(new, user.email)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    record_audit("auth.password_change", user, actor=user)
    db.session.flush()


def grant_role(user: User, role: str, *, actor: User | None, reason: str = "") -> None:
    if role not in ROLES:
        raise AccountError("unknown_role")
    if user.has_role(role):
        return
    user.role_rows.append(UserRole(role=role))
    record_audit("user.grant_role", user, actor=actor, reason=reason, details={"role": role})
    db.session.flush()


def revoke_role(user: User, role: str, *, actor: User | None, reason: str = "") -> None:
    if role not in ROLES:
        raise AccountError("unknown_role")
    if role == "admin" and actor is not None and actor.id == user.id:
        raise AccountError("cannot_revoke_own_admin")
    rows = [row for row in user.role_rows if row.role == role]
    if not rows:
        return
    for row in rows:
        user.role_rows.remove(row)
    record_audit("user.revoke_role", user, actor=actor, reason=reason, details={"role": role})
    db.session.flush()


def load_user_by_token(token: str) -> User | None:
    if not token:
        return None
    return db.session.scalar(select(User).where(User.session_token == token, User.active.is_(True)))


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))


def audit_query(*, action: str = "", actor: str = "", object_type: str = "", date_from: date | None = None,
                date_to: date | None = None):
    """The audit log, newest first, narrowed by what the admin filled in (dates are Japan days)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if actor:
        query = query.where(AuditEntry.actor_label == actor.strip().lower())
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if date_from:
        query = query.where(AuditEntry.created_at >= jst_start_of_day(date_from))
    if date_to:
        query = query.where(AuditEntry.created_at < jst_start_of_day(date_to) + timedelta(days=1))
    return query
