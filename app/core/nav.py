"""The menu: each feature adds its links (``signals.nav_items``), shown only to the roles that can use them."""

from dataclasses import dataclass

from flask import Flask, current_app, url_for
from flask_login import current_user

from app.core import signals
from app.core.auth import has_any_role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when shown
    roles: tuple[str, ...] = ()  # empty: everyone


def collect(app: Flask) -> None:
    """The features' links in the order they were connected, each endpoint once (the first wins)."""
    items: dict[str, NavItem] = {}
    for _receiver, found in signals.nav_items.send(app):
        for item in found:
            items.setdefault(item.endpoint, item)
    app.extensions["meyasu_nav"] = tuple(items.values())


def nav_items() -> list[dict]:
    return [
        {"url": url_for(item.endpoint), "label": str(item.label)}
        for item in current_app.extensions["meyasu_nav"]
        if not item.roles or has_any_role(current_user, *item.roles)
    ]
