
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user

from app.accounts import services, sessions
from app.accounts.forms import AuditFilterForm, LoginForm, PasswordChangeForm, RoleForm
from app.accounts.models import User
from app.core.actions import run_action
from app.core.audit_labels import actor_names
from app.core.auth import roles_required
from app.core.pagination import paginate
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

    def page():
        return render_template("accounts/password.html", form=form, title=_("Change password"))

    if request.method != "POST":
        return page()
    return run_action(
        lambda: services.change_password(current_user, form.current.data, form.new.data), form=form, page=page,
        status=200, error_field=form.current,
        # This session keeps the new token, and its login time: a new password does not extend it.
        after_commit=lambda _result: login_user(current_user._get_current_object()),
        done=_("Your password has been changed. Other sessions have been logged out."), then=url_for("core.home"))


@bp.get("/admin/users")
@roles_required("admin")
def users():
    return render_template("accounts/users.html", users=services.all_users(), title=_("Users and roles"))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user_roles(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()

    def page():
        return render_template("accounts/user_roles.html", user=user, form=form, title=user.label)

    if request.method != "POST":
        return page()
    change = services.grant_role if form.action.data == "grant" else services.revoke_role
    return run_action(lambda: change(user, form.role.data, actor=current_user, reason=form.reason.data or ""),
                      form=form, page=page, status=200, error_field=form.role, done=_("The roles have been updated."),
                      then=url_for("accounts.user_roles", user_id=user.id))


@bp.get("/admin/audit")
@roles_required("admin")
def audit_log():
    form = AuditFilterForm(request.args)
    query = services.audit_query()
    if form.validate():
        query = services.audit_query(action=form.action.data, actor=form.actor.data,
                                     object_type=form.object_type.data, date_from=form.date_from.data,
                                     date_to=form.date_to.data)
    page = paginate(query, request.args.get("page", 1, type=int), per_page=50)
    return render_template("accounts/audit.html", form=form, page=page, names=actor_names(page.items),
                           title=_("Audit log"))
