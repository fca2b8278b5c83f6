"""Extension points are named signals: making the app again (tests, the CLI) adds nothing twice, and
receivers run in the order the features are listed."""

import weakref

from blinker import NamedSignal

from app import create_app
from app.core import signals
from app.core.retention import purge_personal_data
from config import TestConfig


def _names(signal) -> list[str]:
    receivers = [ref() if isinstance(ref, weakref.ref) else ref for ref in signal.receivers.values()]
    return [f"{receiver.__module__}.{receiver.__name__}" for receiver in receivers]


def _catalogue() -> dict[str, list[str]]:
    return {name: _names(signal) for name, signal in vars(signals).items() if isinstance(signal, NamedSignal)}


def test_creating_the_app_again_connects_and_declares_nothing_twice(app):
    before = _catalogue()
    again = create_app(TestConfig)
    after = _catalogue()
    assert after == before
    for names in after.values():
        assert len(names) == len(set(names))
    assert again.extensions["meyasu_nav"] == app.extensions["meyasu_nav"]
    assert again.extensions["meyasu_shed"] == app.extensions["meyasu_shed"]
    assert again.extensions["meyasu_page_cache"].endpoints == app.extensions["meyasu_page_cache"].endpoints


def test_home_sections_and_purges_come_once_each_in_feature_order(app):
    create_app(TestConfig)
    assert _names(signals.home_sections) == ["app.plans.home_plans", "app.periods.home.home_section",
                                             "app.responses.home_results",
                                             "app.workshops.services.home_section"]
    with app.app_context():
        counts = purge_personal_data()
    assert list(counts) == ["mail log", "submissions", "staff exports", "personal data findings",
                            "workshop sign-ups", "council seat requests", "plan followers"]


def test_the_menu_lists_each_link_once_in_feature_order(app):
    endpoints = [item.endpoint for item in app.extensions["meyasu_nav"]]
    assert len(endpoints) == len(set(endpoints))
    assert endpoints[:3] == ["accounts.users", "accounts.audit_log", "plans.staff_index"]
    # The council comes after reading and before the print kit and the API in FEATURES.
    assert endpoints.index("reading.dictionary") < endpoints.index("council_staff.index") < endpoints.index("api.docs")
    assert endpoints[-1] == "api.docs"
