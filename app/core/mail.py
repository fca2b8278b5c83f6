"""Email, always through a job: the request never waits on SMTP and a rollback sends nothing."""

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import update

from app.core.jobs import current_job_id, job
from app.core.models import MailDelivery
from app.core.timeutil import utcnow
from app.extensions import db

log = logging.getLogger(__name__)


def queue_email(to: str, template: str, locale: str = "ja", **context) -> None:
    """Ask for an email rendered from ``template`` (e.g. ``submissions/email/receipt.txt``) to go out
    after commit. Its first line is the subject.

    The context must be JSON values (ids, strings): the job renders the mail from them.
    """
    send_email.delay(to, template, locale, context)


@job("high")
def send_email(to: str, template: str, locale: str, context: dict, headers: dict | None = None) -> None:
    """Render and send one email, at most once per job even if the job runs again. ``headers`` are
    extra header fields (a mailing list's ``List-Unsubscribe``)."""
    job_id = current_job_id() or make_msgid()
    if db.session.get(MailDelivery, job_id) is not None:
        log.info("email for job %s already handled; not sending again", job_id)
        return
    with force_locale(locale):
        body = render_template(template, **context)
    subject, _, text = body.partition("\n")
    delivery = MailDelivery(job_id=job_id, recipient=to, subject=subject.strip()[:255], template=template)
    db.session.add(delivery)
    # Committed before the SMTP call: a worker that dies after sending leaves this row behind,
    # and the retry sees it instead of mailing the citizen twice.
    db.session.commit()
    deliver(to, subject.strip(), text.lstrip("\n"), headers)
    # Committed by the job runner together with the job's own row.
    db.session.execute(update(MailDelivery).where(MailDelivery.job_id == job_id)
                       .values(state="sent", sent_at=utcnow()))


def external_url(endpoint: str, **values) -> str:
    """A link for an email: built from SITE_URL, since a job has no request to take the host from."""
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        return url_for(endpoint, _external=True, **values)


def deliver(to: str, subject: str, text: str, headers: dict | None = None) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = formataddr((config["CITY_NAME"], config["MAIL_SENDER"]))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_SENDER"].partition("@")[2] or None)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if config.get("MAIL_SUPPRESS_SEND"):
        log.info("mail suppressed (no mail server configured): to=%s subject=%s", to, subject)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
