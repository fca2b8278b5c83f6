"""Periods: see DESIGN.md. Only the models exist so far; the feature's views arrive with its issue."""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.periods import models  # noqa: F401  (register the tables)
