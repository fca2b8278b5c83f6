"""Import of a data-entry company's file of returned paper forms, and its template. The rules are in
``app.surveys.importing``; nothing is imported unless every row is correct."""

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SubmitField
from wtforms.validators import ValidationError

from app.core import tabular
from app.core.auth import roles_required
from app.extensions import db
from app.surveys import importing
from app.surveys.labels import KIND_LABELS
from app.surveys.services import SurveyError
from app.surveys.staff_views import STAFF, editable_survey
from app.surveys.views import bp


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"))
    submit = SubmitField(_l("Check and import"))

    def validate_file(self, field):
        if not field.data or not field.data.filename:
            raise ValidationError(_l("Choose a CSV or XLSX file."))


@bp.route("/staff/surveys/<int:survey_id>/paper/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_answers(survey_id: int):
    survey = editable_survey(survey_id)
    form = ImportForm()
    problems: list[tabular.RowProblem] = []
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            tabular.fingerprint(upload.stream, importing.MAX_BYTES, importing.SurveyImportError)
            rows, problems = importing.parse(upload.stream, survey)
            if not problems:
                count = importing.import_rows(survey, rows, filename=upload.filename or "", actor=current_user)
                db.session.commit()
                flash(ngettext("%(num)d form imported.", "%(num)d forms imported.", count), "success")
                return redirect(url_for("surveys.paper", survey_id=survey.id), code=303)
        except (importing.SurveyImportError, SurveyError) as error:
            db.session.rollback()
            form.file.errors = [error.message]
        status = 400
    elif form.is_submitted():
        status = 400
    return render_template("surveys/import.html", survey=survey, form=form, problems=problems,
                           headers=importing.CODE_HEADERS[0] if survey.uses_codes else importing.GROUP_HEADERS[0],
                           header_of=importing.header_of, kinds=KIND_LABELS,
                           title=_("Import returned forms")), status


@bp.get("/staff/surveys/<int:survey_id>/paper/import/template.csv")
@roles_required(*STAFF)
def import_template(survey_id: int):
    survey = editable_survey(survey_id)
    return Response(importing.template_csv(survey), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=survey-{survey.id}-template.csv"})
