"""The menu: each feature adds its links, shown only to the roles that can use them."""

from dataclasses import dataclass

from flask import url_for
from flask_login import current_user

from app.core.auth import has_any_role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when shown
    roles: tuple[str, ...] = ()  # empty: everyone


NAV_ITEMS: list[NavItem] = []


def register_nav(endpoint: str, label, roles: tuple[str, ...] = ()) -> None:
    if all(item.endpoint != endpoint for item in NAV_ITEMS):
        NAV_ITEMS.append(NavItem(endpoint, label, roles))


def nav_items() -> list[dict]:
    return [
        {"url": url_for(item.endpoint), "label": str(item.label)}
        for item in NAV_ITEMS
        if not item.roles or has_any_role(current_user, *item.roles)
    ]
