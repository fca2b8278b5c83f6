"""Following a plan without an account, and the calendar feeds.

The confirm link opens a page with a button rather than confirming on GET, so that a mail system
that opens links to scan them does not subscribe anyone. Unsubscribing answers a one-click POST
(RFC 8058) carrying only the signed token, without login or CSRF token, and a GET page with a button.
"""

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.core import current_locale
from app.core.ics import calendar_response
from app.extensions import csrf, db, limiter
from app.follow import calendar, services
from app.follow.forms import ConfirmForm, FollowForm
from app.follow.services import FollowError
from app.plans.models import Plan

bp = Blueprint("follow", __name__)


def public_plan(plan_id: int) -> Plan:
    plan = db.get_or_404(Plan, plan_id)
    if not plan.is_published:
        abort(404)
    return plan


def _private(body, status: int = 200):
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _link_error(error: FollowError):
    status = 410 if error.code in ("expired", "gone") else 400
    return _private(render_template("follow/link_error.html", message=error.message,
                                    title=_("This link cannot be used")), status)


@bp.route("/plans/<int:plan_id>/follow", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def subscribe(plan_id: int):
    plan = public_plan(plan_id)
    form = FollowForm()
    if form.validate_on_submit():
        services.subscribe(plan, form.email.data, current_locale())
        db.session.commit()
        return redirect(url_for("follow.sent", plan_id=plan.id), code=303)
    status = 422 if form.errors else 200
    return render_template("follow/subscribe.html", plan=plan, form=form,
                           title=_("Follow this plan by email")), status


@bp.get("/plans/<int:plan_id>/follow/sent")
def sent(plan_id: int):
    plan = public_plan(plan_id)
    return render_template("follow/sent.html", plan=plan, title=_("Check your mail"))


@bp.route("/follow/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            follower = services.confirm(token)
        except FollowError as error:
            db.session.rollback()
            return _link_error(error)
        db.session.commit()
        return _private(render_template("follow/confirmed.html", plan=follower.plan,
                                        title=_("You now follow this plan")))
    try:
        # Checked before showing the button, so a dead link says so at once.
        follower = services.confirm_preview(token)
    except FollowError as error:
        return _link_error(error)
    return _private(render_template("follow/confirm.html", plan=follower.plan, form=form, token=token,
                                    title=_("Confirm that you want to follow this plan")))


@bp.route("/follow/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    try:
        if request.method == "POST":
            titles = services.unsubscribe(token)
            db.session.commit()
            return _private(render_template("follow/unsubscribed.html", titles=titles,
                                            title=_("You no longer follow these plans")))
        followers = services.followers_of_token(token)
    except FollowError as error:
        db.session.rollback()
        return _link_error(error)
    return _private(render_template("follow/unsubscribe.html", followers=followers, token=token,
                                    title=_("Stop receiving mails?")))


@bp.get("/plans/<int:plan_id>/calendar.ics")
def plan_calendar(plan_id: int):
    plan = public_plan(plan_id)
    return calendar_response(calendar.feed(plan.title, plan.id), f"plan-{plan.id}.ics", attachment=False)


@bp.get("/calendar.ics")
def city_calendar():
    name = _("%(city)s: workshops and deadlines for opinions", city=current_app.config["CITY_NAME"])
    return calendar_response(calendar.feed(name), "calendar.ics", attachment=False)
