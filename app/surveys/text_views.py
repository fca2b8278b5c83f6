"""Staff review of free-text answers in which screening found personal data: withhold (with a
reason) or release. Until then a text counts in no public figure (see app.surveys.screening)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.auth import roles_required
from app.extensions import db
from app.privacy.labels import kind_label
from app.surveys import screening
from app.surveys.forms import ActionForm, TextReviewForm
from app.surveys.labels import TEXT_STATE_LABELS
from app.surveys.services import SurveyError
from app.surveys.staff_views import STAFF, _refused, editable_survey
from app.surveys.tasks import screen_survey_texts
from app.surveys.views import bp


def _page(survey, form=None, status: int = 200):
    counts = screening.text_counts(survey)
    return render_template(
        "surveys/texts.html", survey=survey, counts=counts, states=TEXT_STATE_LABELS, kind_label=kind_label,
        unreviewed=screening.review_items(survey), decided=screening.review_items(survey,
                                                                                  states=("withheld", "released")),
        marked=screening.marked, form=form or TextReviewForm(formdata=None), action=ActionForm(),
        digests=screening.digests(survey, public=False), title=_("Free-text answers")), status


@bp.route("/staff/surveys/<int:survey_id>/texts", methods=["GET", "POST"])
@roles_required(*STAFF)
def texts(survey_id: int):
    survey = editable_survey(survey_id)
    form = TextReviewForm()
    if not form.is_submitted():
        return _page(survey)
    if not form.validate():
        return _page(survey, form, 400)
    try:
        screening.review_text(survey, form.screening_id.data, withhold=bool(form.withhold.data),
                              reason=form.reason.data or "", actor=current_user)
    except SurveyError as error:
        _refused(error, form)
        return _page(survey, form, 422)
    screen_survey_texts.delay(survey.id)  # the digest counts the text, or stops counting it
    db.session.commit()
    flash(_("Withheld. The text counts in no public figure.") if form.withhold.data
          else _("Released. The text counts in the keyword digest once it is rebuilt."), "success")
    return redirect(url_for("surveys.texts", survey_id=survey.id), code=303)


@bp.post("/staff/surveys/<int:survey_id>/texts/screen")
@roles_required(*STAFF)
def screen_texts(survey_id: int):
    """Screen new texts and rebuild the digests now rather than at the next five-minute run."""
    survey = editable_survey(survey_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    screen_survey_texts.delay(survey.id)
    db.session.commit()
    flash(_("Screening started. Reload this page in a minute to see what it found."), "success")
    return redirect(url_for("surveys.texts", survey_id=survey.id), code=303)
