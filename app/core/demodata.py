"""``flask demo load``: each feature adds its part of the Shimonoseki case, in order."""

from importlib import import_module

from app.core.jobs import dispatch
from app.extensions import db


def load_all() -> list[str]:
    from app import FEATURES

    lines: list[str] = []
    for feature in FEATURES:
        try:
            module = import_module(f"app.{feature}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"app.{feature}.demo":
                raise
            continue
        lines.extend(module.load())
        db.session.flush()
    db.session.commit()
    dispatch()
    return lines
