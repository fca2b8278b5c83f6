"""The council's words: member categories (区分) and meeting states, one table each."""

from flask_babel import lazy_gettext as _l

# The 区分 of 下関市市民協働参画審議会 (図4), in the order the city lists them.
CATEGORY_LABELS = {
    "academic": _l("Academic expert (学識経験者)"),
    "civic_group": _l("Civic group (市民活動団体関係者)"),
    "public": _l("Citizen chosen by open call (公募委員)"),
    "business": _l("Business group (事業者団体)"),
    "city_staff": _l("City staff (市職員)"),
    "other": _l("Other"),
}
ROLE_LABELS = {"": _l("Member"), "chair": _l("Chair (会長)"), "vice_chair": _l("Vice-chair (副会長)")}
STATUS_LABELS = {"draft": _l("Not published"), "published": _l("Published"), "cancelled": _l("Cancelled")}


def category_label(code: str) -> str:
    return str(CATEGORY_LABELS.get(code, CATEGORY_LABELS["other"]))


def role_label(code: str) -> str:
    return str(ROLE_LABELS.get(code, ROLE_LABELS[""]))


def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))
