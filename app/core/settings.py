"""The city's rules (its 要綱), kept as rows an admin can change.

Each setting has a default here; a row in ``settings`` overrides it. Lists are stored as JSON.
"""

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.core.audit import record_audit
from app.core.models import Setting
from app.extensions import db

DEFAULTS: dict[str, Any] = {
    # Comment periods
    "period.min_days": 30,
    "period.attributes": [
        ["resident", "在住"],
        ["worker", "在勤"],
        ["student", "在学"],
        ["business", "事業者"],
        ["stakeholder", "利害関係者"],
    ],
    # Responses: 反映区分
    "response.categories": [
        ["A", "反映する"],
        ["B", "既に盛り込み済み"],
        ["C", "今後の参考とする"],
        ["D", "反映困難"],
        ["E", "その他"],
    ],
}


def _stored() -> dict[str, Any]:
    """Every stored setting, read in one query once per transaction: pages such as a result read
    several settings many times over."""
    stored = db.session.info.get("settings")
    if stored is None:
        stored = {row.key: row.value for row in db.session.scalars(select(Setting))}
        db.session.info["settings"] = stored
    return stored


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_settings(session: Session) -> None:
    session.info.pop("settings", None)


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
    record_audit("setting.change", row, actor=actor, reason=reason, details={"key": key, "old": old, "new": value})


def choices(key: str) -> list[tuple[str, str]]:
    """A list setting of [code, label] pairs as form choices."""
    return [(code, label) for code, label in get_setting(key)]
