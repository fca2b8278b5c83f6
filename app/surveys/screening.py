"""Free-text answers through the same personal-data screening and keyword digest as opinions.

The rules kept here:
- Every free-text value (a free-text answer, an その他（　） text) is screened by the privacy
  feature's detector before anything of it is published. Until then, and while something found in
  it is unreviewed or staff withheld it, it counts in no public figure: the keyword digest is built
  only from texts that are clear or that staff released.
- Staff review what was found: withhold (a reason is required) or release (a note is optional).
  Both are audited without the text.
- The digest gives each free-text question its most used words with the number of answers using
  each; in public a word used by fewer than the survey's k answers is left out, as a small cell is.
Functions flush; the caller commits.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select

from app.core.audit import record_audit
from app.core.timeutil import utcnow
from app.digests.keywords import count_keywords, top_keywords
from app.extensions import db
from app.privacy.detect import find_personal_data
from app.surveys.models import AnswerItem, Question, Survey, SurveyAnswer
from app.surveys.services import SurveyError
from app.surveys.text_models import SHOWN_STATES, TextDigest, TextScreening

TOP_WORDS = 30  # kept per question; public pages drop those below k and show at most PUBLIC_WORDS
PUBLIC_WORDS = 20
BATCH = 500


def text_items(survey: Survey):
    """The free-text values of a survey: text answers and その他 texts (non-empty)."""
    return (select(AnswerItem).join(SurveyAnswer, SurveyAnswer.id == AnswerItem.answer_id)
            .where(SurveyAnswer.survey_id == survey.id, AnswerItem.text != ""))


def screen_texts(survey: Survey, *, limit: int | None = None) -> int:
    """Screen every free-text value not screened yet; returns how many were screened."""
    query = (text_items(survey).outerjoin(TextScreening, TextScreening.item_id == AnswerItem.id)
             .where(TextScreening.id.is_(None)).order_by(AnswerItem.id))
    if limit is not None:
        query = query.limit(limit)
    done = 0
    for item in db.session.scalars(query.execution_options(yield_per=BATCH)):
        found = find_personal_data(item.text)
        db.session.add(TextScreening(
            item_id=item.id, survey_id=survey.id, question_id=item.question_id,
            state="unreviewed" if found else "clear",
            findings=[{"kind": f.kind, "start": f.start, "end": f.end} for f in found]))
        done += 1
        if done % BATCH == 0:
            db.session.flush()
    db.session.flush()
    return done


def review_text(survey: Survey, screening_id: int, *, withhold: bool, reason: str, actor) -> TextScreening:
    """Withhold a screened text from every public figure (with a reason) or release it (note optional)."""
    screening = db.session.get(TextScreening, screening_id)
    if screening is None or screening.survey_id != survey.id or screening.state == "clear":
        raise SurveyError("text_unknown")
    reason = reason.strip()
    if withhold and not reason:
        raise SurveyError("text_reason", "reason")
    screening.state = "withheld" if withhold else "released"
    screening.reason, screening.reviewed_by_id, screening.reviewed_at = reason, getattr(actor, "id", None), utcnow()
    db.session.flush()
    record_audit("survey.text_withhold" if withhold else "survey.text_release", survey, actor=actor,
                 details={"screening": screening.id, "question": screening.question_id})
    return screening


@dataclass
class TextCounts:
    unscreened: int = 0
    by_state: dict[str, int] = field(default_factory=dict)


def text_counts(survey: Survey) -> TextCounts:
    """How many texts await screening, and how many are in each state: two queries."""
    total = db.session.scalar(select(func.count()).select_from(text_items(survey).subquery())) or 0
    by_state = dict(db.session.execute(select(TextScreening.state, func.count())
                                       .where(TextScreening.survey_id == survey.id).group_by(TextScreening.state))
                    .all())
    return TextCounts(unscreened=total - sum(by_state.values()), by_state=by_state)


def review_items(survey: Survey, *, states=("unreviewed",), limit: int = 50) -> list[tuple[TextScreening, Question]]:
    """Texts in which something was found, the unreviewed first, with their question."""
    questions = {question.id: question for question in survey.questions}
    rows = db.session.scalars(select(TextScreening).where(TextScreening.survey_id == survey.id,
                                                          TextScreening.state.in_(states))
                              .order_by(TextScreening.id).limit(limit)).all()
    return [(row, questions[row.question_id]) for row in rows if row.question_id in questions]


def marked(screening: TextScreening) -> list[tuple[str, str | None]]:
    """The text cut into (part, kind of personal data or None), for staff to see what was found."""
    text, parts, position = screening.item.text, [], 0
    for finding in sorted(screening.findings, key=lambda f: f["start"]):
        if finding["start"] > position:
            parts.append((text[position:finding["start"]], None))
        parts.append((text[finding["start"]:finding["end"]], finding["kind"]))
        position = finding["end"]
    if position < len(text):
        parts.append((text[position:], None))
    return parts


def digest_questions(survey: Survey) -> list[Question]:
    return [q for q in survey.questions if q.kind == "text" or q.has_other]


def shown_texts(survey: Survey, question: Question):
    """(text, answers that wrote it) of the question's texts that may count in public: valid answers,
    screened, and clear or released. その他 texts only with the その他 choice."""
    query = (select(AnswerItem.text, func.count())
             .join(SurveyAnswer, SurveyAnswer.id == AnswerItem.answer_id)
             .join(TextScreening, TextScreening.item_id == AnswerItem.id)
             .where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.answered >= survey.min_answered,
                    AnswerItem.question_id == question.id, AnswerItem.text != "",
                    TextScreening.state.in_(SHOWN_STATES)))
    if question.has_other:
        query = query.where(AnswerItem.choice == question.other_choice)
    return db.session.execute(query.group_by(AnswerItem.text)).all()


def digest_is_stale(survey: Survey) -> bool:
    """Whether a text was screened or reviewed since the digests were built (or none was)."""
    built = db.session.scalar(select(func.min(TextDigest.built_at)).where(TextDigest.survey_id == survey.id))
    if built is None:
        return bool(digest_questions(survey))
    return db.session.scalar(select(func.count()).where(
        TextScreening.survey_id == survey.id,
        or_(TextScreening.screened_at > built, and_(TextScreening.reviewed_at.is_not(None),
                                                    TextScreening.reviewed_at > built)))) > 0


def build_digests(survey: Survey) -> int:
    """The keyword digest of every free-text question and every question with その他, from its shown
    texts; returns how many questions were digested."""
    existing = {d.question_id: d for d in db.session.scalars(select(TextDigest).where(TextDigest.survey_id == survey.id))}
    questions = digest_questions(survey)
    for question in questions:
        texts = shown_texts(survey, question)
        counts = count_keywords((text, n) for text, n in texts)
        digest = existing.get(question.id) or TextDigest(survey_id=survey.id, question_id=question.id)
        digest.words = [[word, n] for word, n in top_keywords(counts, TOP_WORDS)]
        digest.texts, digest.built_at = sum(n for _text, n in texts), utcnow()
        db.session.add(digest)
    db.session.flush()
    return len(questions)


@dataclass
class Digest:
    question: Question
    words: list[tuple[str, int]]
    texts: int
    hidden: int = 0  # words left out in public: used by fewer than k answers


def digests(survey: Survey, *, public: bool, only_report: bool = False) -> dict[int, Digest]:
    """Question id -> its stored digest; in public, words below the survey's k are left out."""
    stored = {d.question_id: d for d in db.session.scalars(select(TextDigest).where(TextDigest.survey_id == survey.id))}
    found: dict[int, Digest] = {}
    for question in digest_questions(survey):
        if only_report and not question.in_report:
            continue
        row = stored.get(question.id)
        words = [(word, n) for word, n in (row.words if row else [])]
        kept = [(word, n) for word, n in words if n >= survey.small_cell] if public else words
        found[question.id] = Digest(question=question, words=kept[:PUBLIC_WORDS] if public else kept,
                                    texts=row.texts if row else 0, hidden=len(words) - len(kept))
    return found


def screen_and_digest(survey: Survey) -> tuple[int, bool]:
    """The job's work: screen what is new, then rebuild the digests if anything changed."""
    screened = screen_texts(survey)
    rebuilt = digest_is_stale(survey)
    if rebuilt:
        build_digests(survey)
    return screened, rebuilt


def states_by_question(survey: Survey) -> dict[int, dict[str, int]]:
    rows = db.session.execute(select(TextScreening.question_id, TextScreening.state, func.count())
                              .where(TextScreening.survey_id == survey.id)
                              .group_by(TextScreening.question_id, TextScreening.state))
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for question_id, state, n in rows:
        found[question_id][state] = n
    return found
