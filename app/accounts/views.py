from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user
from sqlalchemy import select

from app.accounts import services, sessions
from app.accounts.forms import AuditFilterForm, LoginForm, PasswordChangeForm, RoleForm
from app.accounts.messages import PASSWORD_PROBLEMS, error_message
from app.accounts.models import User
from app.core.audit_labels import actor_names
from app.core.auth import roles_required
from app.core.models import AuditEntry
from app.core.pagination import paginate
from app.core.timeutil import jst_start_of_day
from app.core.views import safe_next
from app.extensions import db, limiter

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data, get_remote_address())
        db.session.commit()
        if result.user is not None:
            sessions.start_session(result.user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), url_for("core.home")), code=303)
        if result.error == "locked":
            form.email.errors.append(
                _("Too many failed attempts from here. Wait %(minutes)d minutes, then try again.",
                  minutes=-(-result.wait_seconds // 60))
            )
        else:
            form.password.errors.append(_("The email address or password is not correct."))
    return render_template("accounts/login.html", form=form, title=_("Log in"))


@bp.post("/logout")
@login_required
def logout():
    services.record_logout(current_user)
    db.session.commit()
    sessions.end_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.home"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except services.AccountError as exc:
            field = form.new if exc.code in PASSWORD_PROBLEMS else form.current
            field.errors.append(error_message(exc.code))
        else:
            db.session.commit()
            # This session keeps the new token, and its login time: a new password does not extend it.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Other sessions have been logged out."), "success")
            return redirect(url_for("core.home"), code=303)
    return render_template("accounts/password.html", form=form, title=_("Change password"))


@bp.get("/admin/users")
@roles_required("admin")
def users():
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("accounts/users.html", users=rows, title=_("Users and roles"))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user_roles(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = RoleForm()
    if form.validate_on_submit():
        change = services.grant_role if form.action.data == "grant" else services.revoke_role
        try:
            change(user, form.role.data, actor=current_user, reason=form.reason.data or "")
        except services.AccountError as exc:
            form.role.errors.append(error_message(exc.code))
        else:
            db.session.commit()
            flash(_("The roles have been updated."), "success")
            return redirect(url_for("accounts.user_roles", user_id=user.id), code=303)
    return render_template("accounts/user_roles.html", user=user, form=form, title=user.label)


@bp.get("/admin/audit")
@roles_required("admin")
def audit_log():
    form = AuditFilterForm(request.args)
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if form.validate():
        if form.action.data:
            query = query.where(AuditEntry.action.startswith(form.action.data))
        if form.actor.data:
            query = query.where(AuditEntry.actor_label == form.actor.data.strip().lower())
        if form.object_type.data:
            query = query.where(AuditEntry.object_type == form.object_type.data)
        if form.date_from.data:
            query = query.where(AuditEntry.created_at >= jst_start_of_day(form.date_from.data))
        if form.date_to.data:
            end = jst_start_of_day(form.date_to.data) + timedelta(days=1)
            query = query.where(AuditEntry.created_at < end)
    page = paginate(query, request.args.get("page", 1, type=int), per_page=50)
    return render_template("accounts/audit.html", form=form, page=page, names=actor_names(page.items),
                           title=_("Audit log"))
