"""The city dictionary of the demo: the city's own names that the analyser reads wrong or cuts apart."""

from sqlalchemy import select

from app.extensions import db
from app.reading.models import ReadingEntry

ENTRIES = (
    ("下関", "しものせき", "地名"),
    ("ふくふくサポート", "ふくふくさぽーと", "しものせき市民活動センターの愛称"),
    ("ヴェルタワー", "ゔぇるたわー", "建物名"),
    ("竹崎町", "たけざきちょう", "地名"),
    ("彦島", "ひこしま", "地名"),
    ("長府", "ちょうふ", "地名"),
    ("唐戸", "からと", "地名"),
    ("市民協働参画審議会", "しみんきょうどうさんかくしんぎかい", "団体名"),
)


def load() -> list[str]:
    known = set(db.session.scalars(select(ReadingEntry.surface)))
    added = [ReadingEntry(surface=s, reading=r, note=n) for s, r, n in ENTRIES if s not in known]
    db.session.add_all(added)
    return [f"furigana dictionary: {len(added)} word(s) added"]
