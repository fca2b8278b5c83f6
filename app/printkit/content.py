"""What the print kit says about a period, gathered once in the kit's language: the same facts the
public period page shows (title, dates, sections, channels, contact) and nothing a submitter wrote."""

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from app.core.formatting import format_time, format_wareki
from app.core.mail import external_url
from app.core.timeutil import to_jst
from app.periods.forms import submitter_field_labels
from app.periods.labels import channel_label
from app.periods.models import SUBMITTER_FIELDS, CommentPeriod
from app.periods.services import attribute_pairs
from app.printkit.formid import form_id

PAPER_CHANNELS = ("post", "fax", "in_person", "email")


@dataclass
class SubmitterField:
    """One box of the 「提出される方」 part, as the period's field rules ask for it."""

    name: str
    label: str
    required: bool
    options: list[str] = field(default_factory=list)  # the attributes to tick, for "attribute"


@dataclass
class KitContent:
    period_id: int
    form_id: str
    city: str
    plan_title: str
    title: str
    opens: str
    deadline: str
    sections: list[str]
    fields: list[SubmitterField]
    send_to: list[tuple[str, str]]  # (channel label, address / number / desk) for paper and email
    web_url: str  # the web opinion form, or the public period page when the web form is not offered
    web_form: bool
    viewing_places: list[str]
    contact: str


def day_and_time(moment: datetime, *, closing: bool) -> str:
    """令和8年12月25日（金）; with the time when the period does not close at the end of the day."""
    local = to_jst(moment)
    at_edge = (local.hour, local.minute) >= (23, 59) if closing else (local.hour, local.minute) == (0, 0)
    return format_wareki(moment) if at_edge else f"{format_wareki(moment)} {format_time(moment)}"


def submitter_fields(period: CommentPeriod) -> list[SubmitterField]:
    rules, labels = period.field_rules or {}, submitter_field_labels()
    attributes = dict(attribute_pairs())
    chosen = [attributes[code] for code in period.eligibility if code in attributes] or list(attributes.values())
    return [SubmitterField(name, str(labels[name]), rules[name] == "required",
                           chosen if name == "attribute" else [])
            for name in SUBMITTER_FIELDS if rules.get(name, "hidden") != "hidden"]


def gather(period: CommentPeriod) -> KitContent:
    """Call inside ``force_locale``: labels and dates come out in the kit's language."""
    web_form = "web" in (period.channels or {})
    endpoint = "submissions.form" if web_form else "periods.show"
    contact = "\n".join(part for part in (period.contact_department, period.contact or period.plan.contact) if part)
    return KitContent(
        period_id=period.id, form_id=form_id(period.id), city=current_app.config["CITY_NAME"],
        plan_title=period.plan.title, title=period.title,
        opens=day_and_time(period.opens_at, closing=False), deadline=day_and_time(period.closes_at, closing=True),
        sections=[section.display for section in period.sections],
        fields=submitter_fields(period),
        send_to=[(channel_label(code), period.channels[code]) for code in PAPER_CHANNELS
                 if code in (period.channels or {}) and period.channels[code]],
        web_url=external_url(endpoint, period_id=period.id), web_form=web_form,
        viewing_places=list(period.viewing_places or []), contact=contact)


def required_mark(required: bool) -> str:
    return _("Required") if required else _("Optional")
