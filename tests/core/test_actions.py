"""One way to run a staff action: commit once on success, roll back and word the refusal otherwise,
and show the form again with its messages when there is something to correct."""

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.exceptions import BadRequest
from wtforms import StringField
from wtforms.validators import DataRequired

from app.core.actions import run_action
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.models import AuditEntry
from app.extensions import db


class NoteForm(FlaskForm):
    class Meta:
        csrf = False

    note = StringField(validators=[DataRequired()])
    reason = StringField()


def _entries(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


@pytest.fixture
def post(app):
    def context(**data):
        return app.test_request_context("/staff/thing", method="POST", data=data)

    return context


def _write_then(error: DomainError | None = None):
    def service():
        entry = record_audit("test.action", details={"n": 1})
        db.session.flush()
        if error is not None:
            raise error
        return entry

    return service


def test_success_commits_once_flashes_done_and_redirects(post):
    with post():
        answer = run_action(_write_then(), done="Saved.", then="/staff/thing")
        db.session.rollback()  # what was committed stays
        assert _entries("test.action") == 1
        assert answer.status_code == 303 and answer.location == "/staff/thing"
        assert get_flashed_messages(with_categories=True) == [("success", "Saved.")]


def test_a_refusal_after_flushing_writes_nothing_and_flashes_its_words(post):
    with post():
        answer = run_action(_write_then(DomainError("nope")), done="Saved.", then="/staff/done",
                            back="/staff/thing")
        assert _entries("test.action") == 0
        assert answer.status_code == 303 and answer.location == "/staff/thing"
        assert get_flashed_messages(with_categories=True) == [("error", DomainError("nope").message)]


def test_done_and_then_may_read_what_the_service_returned(post):
    ran = []
    with post():
        answer = run_action(_write_then(), done=lambda entry: f"Entry {entry.action}",
                            then=lambda entry: f"/audit/{entry.id}", back="/staff/thing",
                            after_commit=lambda entry: ran.append(_entries("test.action")))
        entry_id = db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "test.action"))
        assert answer.location == f"/audit/{entry_id}"
        assert get_flashed_messages() == ["Entry test.action"]
        assert ran == [1]


def test_nothing_runs_after_commit_when_the_rule_refuses(post):
    ran = []
    with post():
        run_action(_write_then(DomainError("nope")), done="", then="/x", after_commit=ran.append)
    assert ran == []


def test_a_refusal_shown_another_way_gets_the_error_after_the_rollback(post):
    seen = []

    def refused(error):
        seen.append((error.code, _entries("test.action")))
        return "beside the item", 409

    with post():
        answer = run_action(_write_then(DomainError("taken")), done="Saved.", then="/x", refused=refused)
        assert answer == ("beside the item", 409)
        assert seen == [("taken", 0)]
        assert get_flashed_messages() == []


def test_an_invalid_form_shows_the_page_again_with_the_status_asked_and_calls_nothing(post):
    called = []
    with post(note=""):
        form = NoteForm()
        html, status = run_action(lambda: called.append(1), form=form, page=lambda: "the page", status=400,
                                  done="Saved.", then="/x")
        assert (html, status) == ("the page", 400)
        assert called == [] and form.note.errors
        assert get_flashed_messages() == []


def test_an_invalid_form_without_a_page_is_a_bad_request(post):
    with post(note=""), pytest.raises(BadRequest):
        run_action(lambda: None, form=NoteForm(), done="Saved.", then="/x")


def test_a_refusal_goes_next_to_the_field_it_names_and_the_page_comes_back_with_422(post):
    with post(note="text"):
        form = NoteForm()
        html, status = run_action(_write_then(DomainError("nope", "reason")), form=form, page=lambda: "page",
                                  done="Saved.", then="/x")
        assert (html, status) == ("page", 422)
        assert form.reason.errors == [DomainError("nope").message]
        assert _entries("test.action") == 0
        assert get_flashed_messages() == []


def test_a_refusal_naming_no_field_goes_to_the_fallback_or_above_the_form(post):
    with post(note="text"):
        form = NoteForm()
        run_action(_write_then(DomainError("nope")), form=form, page=lambda: "page", error_field=form.note,
                   done="", then="/x")
        assert form.note.errors == [DomainError("nope").message]
    with post(note="text"):
        form = NoteForm()
        run_action(_write_then(DomainError("nope")), form=form, page=lambda: "page", error_field=form,
                   done="", then="/x")
        assert form.form_errors == [DomainError("nope").message]
    with post(note="text"):
        form = NoteForm()
        run_action(_write_then(DomainError("nope")), form=form, page=lambda: "page", done="", then="/x")
        assert get_flashed_messages(category_filter=["error"]) == [DomainError("nope").message]


def test_every_feature_refusal_is_a_domain_error_worded_by_its_feature(post):
    from app.accounts.services import AccountError
    from app.api.services import QueryError
    from app.core.uploads import UploadError
    from app.digests.services import DigestError
    from app.moderation.services import ModerationError
    from app.periods.services import PeriodError
    from app.privacy.services import PrivacyError
    from app.responses.results import PublicationRefused
    from app.responses.services import ResponseError
    from app.submissions.importing import ImportFileError
    from app.submissions.services import SubmissionError
    from app.surveys.importing import SurveyImportError
    from app.surveys.services import SurveyError
    from app.workshops.services import WorkshopError

    for error_class in (AccountError, QueryError, UploadError, DigestError, ModerationError, PeriodError,
                        PrivacyError, PublicationRefused, ResponseError, ImportFileError, SubmissionError,
                        WorkshopError, SurveyError, SurveyImportError):
        assert issubclass(error_class, DomainError), error_class
    generic = DomainError("x").message
    with post():
        for error in (ResponseError("own_response"), WorkshopError("group_name_taken"), PeriodError("no_channel"),
                      ModerationError("forbidden"), AccountError("wrong_password"), SubmissionError("not_open"),
                      SurveyError("code_used"), SurveyImportError("columns_unknown", names="Q9")):
            assert error.message and error.message != generic, error.code
