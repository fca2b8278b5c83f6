"""What a workshop is, in the reader's words: the kinds the plan's timeline tells apart."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {"briefing": _l("Briefing session"), "workshop": _l("Workshop"), "other": _l("Other event")}
# The timeline's step code for each kind (an "other" event is a step of its own kind).
STEP_KINDS = {"briefing": "briefing", "workshop": "workshop", "other": "event"}
