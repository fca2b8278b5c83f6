"""``flask submissions import PERIOD FILE``: the batch import from the command line."""

import tempfile
from typing import BinaryIO

import click
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from app.accounts.models import User
from app.core.timeutil import jst_today
from app.extensions import db
from app.periods.models import CommentPeriod
from app.submissions import importing
from app.submissions.messages import error_message, import_file_message
from app.submissions.services import SubmissionError, check_paper_period


def import_file(period_id: int, stream: BinaryIO, staff_email: str) -> None:
    period = db.session.get(CommentPeriod, period_id)
    if period is None:
        raise click.ClickException(f"no comment period {period_id}")
    actor = None
    if staff_email:
        actor = db.session.scalar(select(User).where(User.email == staff_email))
        if actor is None:
            raise click.ClickException(f"no user {staff_email}")
    # No request here to choose a language from: the city's own.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            check_paper_period(period)
            stream = _seekable(stream)
            sha256 = importing.fingerprint(stream)
            importing.check_not_imported(period.id, sha256)
            rows, problems = importing.parse(stream, period, jst_today())
            if problems:
                for problem in problems:
                    click.echo(f"line {problem.line}: {' / '.join(problem.reasons)}", err=True)
                raise click.ClickException(f"{len(problems)} row(s) rejected; nothing was imported")
            imported = importing.import_rows(period.id, rows, file_sha256=sha256, actor=actor)
        except importing.ImportFileError as error:
            raise click.ClickException(f"file rejected ({error.code}): {import_file_message(error)}") from error
        except SubmissionError as error:
            raise click.ClickException(f"period does not accept submissions: {error_message(error)}") from error
    db.session.commit()
    click.echo(f"imported {imported.count} submission(s): {imported.first_receipt_no} – {imported.last_receipt_no}")


def _seekable(stream: BinaryIO) -> BinaryIO:
    """The file itself, or for standard input a copy on disk: the import reads a file more than once."""
    if stream.seekable():
        return stream
    copy = tempfile.TemporaryFile()  # noqa: SIM115  (closed, and so deleted, when the command exits)
    while chunk := stream.read(importing.CHUNK):
        copy.write(chunk)
        if copy.tell() > importing.MAX_BYTES:
            raise importing.ImportFileError("too_large", mb=importing.MAX_BYTES // importing.MB)
    copy.seek(0)
    return copy
