"""The home page gathers what each feature has to show: open periods, upcoming workshops, plans.

A feature appends a function returning ``(template, context)`` or ``None`` when it has nothing to show.
"""

from collections.abc import Callable

HOME_SECTIONS: list[Callable[[], tuple[str, dict] | None]] = []


def home_sections() -> list[tuple[str, dict]]:
    return [section for section in (source() for source in HOME_SECTIONS) if section is not None]
