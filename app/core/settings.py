"""The city's rules (its 要綱), kept as rows an admin can change.

Each setting has a default here; a row in ``settings`` overrides it. Lists are stored as JSON.
A list of labels (``LABELLED``) holds ``[code, Japanese label, English label]`` per item: pages in
English show the English label, or the Japanese one while the city has given none.
"""

import time
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.core.audit import record_audit
from app.core.models import Setting
from app.extensions import db

DEFAULTS: dict[str, Any] = {
    # Comment periods
    "period.min_days": 30,
    "period.attributes": [
        ["resident", "在住", "Lives in the city"],
        ["worker", "在勤", "Works in the city"],
        ["student", "在学", "Studies in the city"],
        ["business", "事業者", "Runs a business in the city"],
        ["stakeholder", "利害関係者", "Has an interest in the matter"],
    ],
    # Responses: 反映区分
    "response.categories": [
        ["A", "反映する", "Reflected in the plan"],
        ["B", "既に盛り込み済み", "Already in the draft"],
        ["C", "今後の参考とする", "Taken into account in future work"],
        ["D", "反映困難", "Difficult to reflect"],
        ["E", "その他", "Other"],
    ],
}
LABELLED = ("period.attributes", "response.categories")


def _stored() -> dict[str, Any]:
    """Every stored setting, read in one query once per transaction: pages such as a result read
    several settings many times over. Between transactions the process keeps what it read for
    ``SETTINGS_CACHE_SECONDS`` (10; 0 under test unless a test turns it on), so that a citizen's send
    asks nothing of the table; a change is seen at once in the process that commits it, and within
    those seconds in the others."""
    session = db.session()
    stored = session.info.get("settings")
    if stored is None:
        changing = session.info.get("settings_changed", False)
        stored = None if changing else _kept()
        if stored is None:
            stored = {row.key: row.value for row in db.session.scalars(select(Setting))}
            if not changing:
                _keep(stored)
        session.info["settings"] = stored
    return stored


_KEPT = "meyasu_settings"


def _keep_seconds() -> float:
    return current_app.config.get("SETTINGS_CACHE_SECONDS", 0 if current_app.testing else 10)


def _kept() -> dict[str, Any] | None:
    kept = current_app.extensions.get(_KEPT)
    if kept is not None and time.monotonic() - kept[0] < _keep_seconds():
        return kept[1]
    return None


def _keep(stored: dict[str, Any]) -> None:
    if _keep_seconds() > 0:
        current_app.extensions[_KEPT] = (time.monotonic(), stored)


def forget_kept_settings() -> None:
    """Drop what this process keeps (a change committed here, or a test that wrote the table by hand)."""
    if has_app_context():
        current_app.extensions.pop(_KEPT, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_settings(session: Session) -> None:
    session.info.pop("settings", None)
    if session.info.pop("settings_changed", False):
        forget_kept_settings()


def get_setting(key: str) -> Any:
    stored = _stored()
    return stored[key] if key in stored else DEFAULTS[key]


def set_setting(key: str, value: Any, *, actor, reason: str = "") -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(Setting, key)
    old = row.value if row is not None else DEFAULTS[key]
    if row is None:
        row = Setting(key=key, value=value)
        db.session.add(row)
    else:
        row.value = value
    db.session.flush()
    db.session.info.pop("settings", None)
    db.session.info["settings_changed"] = True  # read from the table until this transaction ends
    record_audit("setting.change", row, actor=actor, reason=reason, details={"key": key, "old": old, "new": value})


def label_entries(key: str) -> list[tuple[str, str, str]]:
    """A list of labels as (code, Japanese label, English label), for the pages that edit it. A row
    stored before labels had an English side reads with an empty one."""
    return [(str(item[0]), str(item[1]), str(item[2]) if len(item) > 2 else "") for item in get_setting(key)]


def labels(key: str, language: str | None = None) -> list[tuple[str, str]]:
    """A list of labels as (code, label) in ``language`` (the page's by default): the English label
    on English pages when there is one, else the Japanese."""
    if language is None:
        from app.core.formatting import is_ja

        language = "ja" if is_ja() else "en"
    return [(code, (english if language != "ja" and english else japanese))
            for code, japanese, english in label_entries(key)]


def choices(key: str) -> list[tuple[str, str]]:
    """A list of labels as form choices, in the page's language."""
    return labels(key)
