"""The demo's reading help: the city dictionary (names the analyser reads wrong or cuts apart), the
glossary of the seed's hard words, and やさしい日本語 summaries of the demo's periods, workshop and result."""

from sqlalchemy import select

from app.extensions import db
from app.periods.demo import OPEN_TITLE, SHIMONOSEKI_TITLE
from app.periods.models import CommentPeriod
from app.reading.models import EasySummary, GlossaryTerm, ReadingEntry
from app.workshops.demo import UPCOMING_TITLE
from app.workshops.models import Workshop

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

TERMS = (
    ("協働", "きょうどう", "市民と 市役所などが、同じ 目的の ために、力を 合わせて いっしょに 働く ことです。"),
    ("市民活動", "しみんかつどう",
     "市民が 自分から 集まって、まちや 人の ために する 活動です。お金を もうける ための 活動では ありません。"),
    ("ワークショップ", "わーくしょっぷ", "みんなで 集まって、話し合ったり、いっしょに 考えたり する 会です。"),
    ("パブリックコメント", "ぱぶりっくこめんと",
     "市が 計画などを 決める 前に、案を みんなに 見せて、意見を 聞く しくみです。"),
    ("審議会", "しんぎかい", "市から たのまれて、専門の 人や 市民が 大切な ことを 話し合う 会議です。"),
    ("営利", "えいり", "お金を もうける ことです。"),
)

SUMMARIES = (
    ("period", OPEN_TITLE, "市は、市民活動を 応援する 計画の 案を 作りました。\n"
                           "この 案に ついて、あなたの 意見を 送って ください。\n"
                           "インターネットでも 紙でも 送る ことが できます。"),
    ("period", SHIMONOSEKI_TITLE, "市民活動を 応援する 計画の 案に ついて、市民の 意見を 聞きました。\n"
                                  "意見を 送る 期間は 終わりました。"),
    ("result", SHIMONOSEKI_TITLE, "市に 届いた 意見と、それに ついての 市の 考えを まとめました。\n"
                                  "意見を くれた みなさん、ありがとう ございました。"),
    ("workshop", UPCOMING_TITLE, "計画を 動かす ために、みんなで 話し合う 会です。\n"
                                 "だれでも 参加 できます。お金は いりません。"),
)


def _subject_ids() -> dict[tuple[str, str], int]:
    periods = dict(db.session.execute(select(CommentPeriod.title, CommentPeriod.id)).all())
    workshops = dict(db.session.execute(select(Workshop.title, Workshop.id)).all())
    ids = {}
    for kind, title, _text in SUMMARIES:
        found = workshops.get(title) if kind == "workshop" else periods.get(title)
        if found is not None:
            ids[(kind, title)] = found
    return ids


def load() -> list[str]:
    known = set(db.session.scalars(select(ReadingEntry.surface)))
    added = [ReadingEntry(surface=s, reading=r, note=n) for s, r, n in ENTRIES if s not in known]
    db.session.add_all(added)
    known_terms = set(db.session.scalars(select(GlossaryTerm.term)))
    terms = [GlossaryTerm(term=t, reading=r, explanation=e) for t, r, e in TERMS if t not in known_terms]
    db.session.add_all(terms)
    ids = _subject_ids()
    written = {tuple(row) for row in db.session.execute(select(EasySummary.kind, EasySummary.subject_id))}
    summaries = [EasySummary(kind=kind, subject_id=subject_id, text=text)
                 for kind, title, text in SUMMARIES
                 if (subject_id := ids.get((kind, title))) is not None and (kind, subject_id) not in written]
    db.session.add_all(summaries)
    return [f"furigana dictionary: {len(added)} word(s) added", f"glossary: {len(terms)} term(s) added",
            f"easy Japanese summaries: {len(summaries)} added"]
