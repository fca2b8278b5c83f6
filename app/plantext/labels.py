"""Every label of the plan's text, in one place."""

from flask_babel import lazy_gettext as _l

# The stages a plan's text goes through, in order; the city's own words as msgids' Japanese.
STAGES = ("soan", "an", "saishuan", "keikaku")
STAGE_LABELS = {"soan": _l("Outline draft (素案)"), "an": _l("Draft (案)"), "saishuan": _l("Final draft (最終案)"),
                "keikaku": _l("Adopted plan (計画)")}
STATUS_LABELS = {"draft": _l("Not published"), "published": _l("Published")}
WRITE_OPINION = _l("Write an opinion on this part")
# What became of a section from one version to the next (the marks are words, not colours).
CHANGE_LABELS = {"added": _l("Added (追加)"), "removed": _l("Removed (削除)"), "changed": _l("Changed (変更)"),
                 "unchanged": _l("Unchanged (変更なし)")}
