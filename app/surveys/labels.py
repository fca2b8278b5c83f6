"""Every label of surveys, in one place: pages, the report, the PDF and 表1 use these."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "scale": _l("5-point scale"),
    "matrix": _l("Matrix of 5-point scales"),
    "number": _l("Number"),
    "text": _l("Free text"),
}
# 表1 prints these in Japanese whatever the reader's language: it is the city's table.
SAMPLING_LABELS = {"random": _l("Random sample"), "census": _l("Everyone (census)")}
SAMPLING_TABLE = {"random": "無作為抽出", "census": "全数調査"}
STATE_LABELS = {"draft": _l("Draft"), "scheduled": _l("Not yet open"), "open": _l("Open for answers"),
                "closed": _l("Survey closed")}
CHANNEL_LABELS = {"web": _l("Web"), "paper": _l("Paper (post)")}
OTHER = _l("Other")
NO_ANSWER = _l("No answer")
SUPPRESSED = "—"
SAME_AS_LEFT = "同左"
# 表1's rows, in the seed's order and wording.
TABLE1_ROWS = ("調査対象", "抽出方法", "配布数", "回収数（有効回収率）", "調査方法", "調査期間")


def scale_labels() -> list[str]:
    return [str(_l("Agree")), str(_l("Somewhat agree")), str(_l("Neither")), str(_l("Somewhat disagree")),
            str(_l("Disagree"))]


# Free-text answers as screened for personal data (app.surveys.screening).
TEXT_STATE_LABELS = {"clear": _l("Nothing found"), "unreviewed": _l("Found, not reviewed"),
                     "withheld": _l("Withheld"), "released": _l("Released")}
