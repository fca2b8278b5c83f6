"""Ids the database can hold. PostgreSQL's ``integer`` ends at 2³¹−1, and a bigger number in a query
is an error there, not "no such row"; so an id past it is refused before it reaches a query."""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """The app's ``int`` URL converter: a whole number up to ``MAX_ID``; anything bigger is a 404.

    Zero stays allowed: positions such as a run's file index start there."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def id_arg(value) -> int | None:
    """An id given as text (a query string, a form): the number, or None when it is not one the
    database could hold."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None
