"""The home page gathers what each feature has to show: open periods, upcoming workshops, plans.

A feature connects to ``signals.home_sections`` a function returning ``(template, context)``, or
``None`` when it has nothing to show.
"""

from app.core import signals


def home_sections() -> list[tuple[str, dict]]:
    return [section for _receiver, section in signals.home_sections.send() if section is not None]
