"""One way to run a staff action, after Indico's ``RH.process``: check the form, call the service,
then either commit once and say it is done, or roll back and show the refusal in the reader's words.

A service checks its rule, changes rows and flushes; it raises a ``DomainError`` when the rule
refuses. The view says only what differs: the words for success, where to go next, and the page
that shows the form again when the person has something to correct.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, redirect
from wtforms import Field

from app.core.errors import DomainError
from app.extensions import db

T = TypeVar("T")


def show_refusal(form, error: DomainError, fallback: Any = None) -> None:
    """Put the refusal next to the field it names, else next to ``fallback`` (a field, or a form for
    its own errors above the fields); with neither, flash it."""
    target = form._fields.get(error.field) if form is not None and error.field else None
    target = target if target is not None else fallback
    if isinstance(target, Field):
        target.errors = [*target.errors, error.message]
    elif target is not None and hasattr(target, "form_errors"):
        target.form_errors.append(error.message)
    else:
        flash(error.message, "error")


def _shown(answer, status: int):
    """A page function may answer with its own status, as (html, status); else ``status`` is used."""
    return answer if isinstance(answer, tuple) else (answer, status)


def run_action(call: Callable[[], T], *, done: str | Callable[[T], str] | None,
               then: str | Callable[[T], str], back: str | None = None, form=None,
               page: Callable[[], Any] | None = None, status: int = 422, error_field: Any = None,
               category: str = "success", after_commit: Callable[[T], None] | None = None,
               refused: Callable[[DomainError], Any] | None = None):
    """Run ``call`` (a service call that flushes) as one staff action and answer the request.

    ``form``, when given, is validated first; an invalid form shows ``page()`` with ``status`` (the
    fields carry their messages), or without a page is a 400. A ``DomainError`` rolls back
    everything the service flushed; with a ``page`` its message goes next to the field it names (or
    ``error_field``) and the page is shown with ``status``, without one the message is flashed and
    the browser goes to ``back`` (default ``then``); ``refused``, when a refusal is shown some other
    way (beside one item of a list, with another status), is given the error and answers. Otherwise the transaction is committed once,
    ``after_commit`` runs (jobs are enqueued only once their rows exist), ``done`` is flashed and
    the browser goes to ``then``. ``done`` and ``then`` may be functions of what ``call`` returned.
    """
    if form is not None and not form.validate_on_submit():
        if page is None:
            abort(400)
        return _shown(page(), status)
    try:
        result = call()
    except DomainError as error:
        db.session.rollback()
        if refused is not None:
            return refused(error)
        if page is not None:
            show_refusal(form, error, error_field)
            return _shown(page(), status)
        for message in error.messages:
            flash(message, "error")
        target = back if back is not None else then
        if callable(target):
            raise TypeError("a refusal needs a place to go back to: pass back= when then is a function") from error
        return redirect(target, code=303)
    db.session.commit()
    if after_commit is not None:
        after_commit(result)
    message = done(result) if callable(done) else done
    if message:
        flash(message, category)
    return redirect(then(result) if callable(then) else then, code=303)
