"""The publication check's personal-data part counted by PostgreSQL (hashes compared in the database)
gives what the Python reading gives, on a period holding every kind of text: fresh, changed since
screening, never screened, an excerpt screened while the summary was blank and a summary Python
calls blank but the database does not."""

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod
from app.privacy.models import TextScreening
from app.privacy.services import reading
from app.privacy.services.screening import screen_opinion, screen_response
from app.responses.models import Response

PHONE = "連絡は090-1234-5678までお願いします。"
CLEAN = "公園の整備を進めてください。"


@pytest.mark.services
def test_the_sql_count_is_the_python_reading(app, ctx, make_period, add_opinions, answered):
    period_id = make_period(state="closed")
    ids = add_opinions(period_id, [{"text": text, "state": "accepted"} for text in
                                   (PHONE, CLEAN, CLEAN, CLEAN, CLEAN, CLEAN, PHONE)]
                       + [{"text": PHONE, "state": "withheld"}])
    answered(period_id)
    for opinion in db.session.scalars(select(Opinion).where(Opinion.period_id == period_id)):
        screen_opinion(opinion)
    for response in db.session.scalars(select(Response).where(Response.period_id == period_id)):
        screen_response(response)
    db.session.commit()
    _fresh_phone, _fresh_clean, summary_to_phone, summary_to_clean, blank_summary, new_summary, unscreened, _ = ids

    # Changes written around the screening (as an old release, or a direct fix in the database, would).
    def change(opinion_id, **values):
        db.session.execute(update(Opinion).where(Opinion.id == opinion_id).values(**values))

    change(summary_to_phone, summary="要約：" + PHONE)
    change(summary_to_clean, summary="要約：" + CLEAN)
    change(blank_summary, summary="\u3000 \n")  # blank to Python's strip(), not to the database
    change(new_summary, summary="新しい要約")
    db.session.execute(TextScreening.__table__.delete().where(TextScreening.opinion_id == unscreened))
    changed = db.session.scalars(select(Response).where(Response.period_id == period_id)).first()
    db.session.execute(update(Response).where(Response.id == changed.id).values(body="回答：" + PHONE))
    db.session.commit()

    period = db.session.get(CommentPeriod, period_id)
    in_python = reading._blocking_in_python(period)
    in_sql = reading._blocking_in_sql(period)
    assert in_sql == in_python
    # Not a pair of zeros: the fresh phone's findings wait for review; the summary turned into a phone
    # number, the unscreened opinion and the changed answer hold personal data not yet screened.
    assert in_sql.unreviewed >= 1
    assert in_sql.unscreened == 3
    assert reading.blocking(period) == in_sql  # what the check uses on PostgreSQL


@pytest.mark.services
def test_postgresql_keeps_each_texts_hash_whoever_writes_it(app, ctx, make_period, add_opinions, answered):
    from sqlalchemy import text

    from app.privacy.services.screening import text_hash

    period_id = make_period(state="closed")
    opinion_id, other_id = add_opinions(period_id, [{"text": CLEAN, "state": "accepted"},
                                                    {"text": PHONE, "state": "accepted"}])
    answered(period_id)
    response = db.session.scalars(select(Response).where(Response.period_id == period_id)).first()
    db.session.get(Opinion, opinion_id).summary = "要約した文"  # through the ORM
    db.session.execute(update(Opinion).where(Opinion.id == other_id).values(excerpt="直した" + PHONE))  # in bulk
    db.session.execute(update(Response).where(Response.id == response.id).values(body="新しい回答"))
    db.session.commit()

    def stored(model, row_id, *columns):
        return db.session.execute(select(*(getattr(model, c) for c in columns)).where(model.id == row_id)).one()

    assert stored(Opinion, opinion_id, "summary_sha256", "excerpt_sha256") == (text_hash("要約した文"), text_hash(CLEAN))
    assert stored(Opinion, other_id, "excerpt_sha256")[0] == text_hash("直した" + PHONE)
    assert stored(Response, response.id, "body_sha256")[0] == text_hash("新しい回答")

    # A row without its hash (the trigger switched off by hand) is never taken as screened.
    for opinion in db.session.scalars(select(Opinion).where(Opinion.period_id == period_id)):
        screen_opinion(opinion)
    db.session.commit()
    period = db.session.get(CommentPeriod, period_id)
    assert reading._blocking_in_sql(period).unscreened == 0
    db.session.execute(text("ALTER TABLE opinions DISABLE TRIGGER opinions_text_hashes"))
    db.session.execute(update(Opinion).where(Opinion.id == other_id).values(excerpt_sha256=None))
    db.session.execute(text("ALTER TABLE opinions ENABLE TRIGGER opinions_text_hashes"))
    db.session.commit()
    assert reading._blocking_in_sql(period).unscreened == 1  # screened again in Python: it holds a phone


def _copy(screening_id):
    """What PostgreSQL copied of its text onto a screening's row (migration 031)."""
    return tuple(db.session.execute(
        select(TextScreening.text_state, TextScreening.text_summary_sha256, TextScreening.text_excerpt_sha256,
               TextScreening.text_body_sha256).where(TextScreening.id == screening_id)).one())


@pytest.mark.services
def test_postgresql_copies_each_text_onto_its_screening_whoever_writes_either(
        app, ctx, make_period, add_opinions, answered):
    from sqlalchemy import text

    from app.moderation.models import EMPTY_SHA256
    from app.privacy.services.screening import text_hash

    period_id = make_period(state="closed")
    clean_id, phone_id = add_opinions(period_id, [{"text": t, "state": "accepted"} for t in (CLEAN, PHONE)])
    answered(period_id)
    response = db.session.scalars(select(Response).where(Response.period_id == period_id)).first()
    clean = screen_opinion(db.session.get(Opinion, clean_id)).id  # inserted through the ORM
    phone = screen_opinion(db.session.get(Opinion, phone_id)).id
    answer = screen_response(response).id
    db.session.commit()
    assert _copy(clean) == ("accepted", EMPTY_SHA256, text_hash(CLEAN), None)
    assert _copy(answer) == ("approved", None, None, text_hash(response.body))

    # The text changes, through the ORM or in bulk; its screening's copy follows, screened again or not.
    opinion = db.session.get(Opinion, clean_id)
    opinion.summary = "公園の整備の要望"
    db.session.commit()
    assert _copy(clean) == ("accepted", text_hash("公園の整備の要望"), text_hash(CLEAN), None)
    db.session.execute(update(Opinion).where(Opinion.id == phone_id).values(state="withheld"))
    db.session.execute(update(Response).where(Response.id == response.id).values(body="回答：" + PHONE, state="draft"))
    db.session.commit()
    assert _copy(phone)[0] == "withheld"
    assert _copy(answer) == ("draft", None, None, text_hash("回答：" + PHONE))

    # A copy written by hand is not kept: the screening's own trigger reads its text again.
    db.session.execute(update(TextScreening).where(TextScreening.id == phone)
                       .values(text_state="accepted", text_excerpt_sha256=text_hash(PHONE)))
    db.session.execute(text("UPDATE privacy_screenings SET text_body_sha256 = :h WHERE id = :id"),
                       {"h": text_hash(response.body), "id": answer})
    db.session.commit()
    assert _copy(phone)[0] == "withheld"
    assert _copy(answer)[3] == text_hash("回答：" + PHONE)

    # A text whose screening is gone is found by counting: one accepted opinion, no screening of one.
    db.session.execute(update(Opinion).where(Opinion.id == phone_id).values(state="accepted"))
    db.session.execute(TextScreening.__table__.delete().where(TextScreening.id == phone))
    db.session.commit()
    period = db.session.get(CommentPeriod, period_id)
    assert reading._blocking_in_sql(period) == reading._blocking_in_python(period)
    assert reading._blocking_in_sql(period).unscreened == 1  # the phone number, screened again in Python


@pytest.mark.services
@pytest.mark.parametrize("seed", range(4))
def test_the_sql_count_is_the_python_reading_after_any_mix_of_changes(
        app, ctx, make_period, add_opinions, answered, seed):
    import random

    from app.privacy.models import PersonalFinding

    rng = random.Random(seed)
    texts = (PHONE, CLEAN, "メールはtaro@example.jpへ。", "公園の整備を進めてください。\n木陰も。")
    period_id = make_period(state="closed")
    ids = add_opinions(period_id, [{"text": rng.choice(texts), "state": rng.choice(("accepted", "accepted", "withheld"))}
                                   for _ in range(24)])
    answered(period_id)
    responses = db.session.scalars(select(Response).where(Response.period_id == period_id)).all()
    for opinion in db.session.scalars(select(Opinion).where(Opinion.id.in_(ids))):
        if rng.random() < 0.9:
            screen_opinion(opinion)
    for response in responses:
        screen_response(response)
    db.session.commit()

    summaries = ("", "\u3000 \n", "要約：" + PHONE, "要約：" + CLEAN, CLEAN)
    for opinion_id in ids:
        change = rng.randrange(7)
        if change == 1:  # a summary written in bulk, not screened again
            db.session.execute(update(Opinion).where(Opinion.id == opinion_id).values(summary=rng.choice(summaries)))
        elif change == 2:  # a summary written and screened again
            opinion = db.session.get(Opinion, opinion_id)
            opinion.summary = rng.choice(summaries)
            db.session.flush()
            screen_opinion(opinion)
        elif change == 3:
            db.session.execute(TextScreening.__table__.delete().where(TextScreening.opinion_id == opinion_id))
        elif change == 4:
            db.session.execute(update(TextScreening).where(TextScreening.opinion_id == opinion_id)
                               .values(field=rng.choice(("summary", "excerpt"))))
        elif change == 5:  # withheld, or accepted again, after it was screened
            db.session.execute(update(Opinion).where(Opinion.id == opinion_id)
                               .values(state=rng.choice(("accepted", "withheld", "pending"))))
    for response in responses:
        change = rng.randrange(5)
        if change == 1:
            db.session.execute(update(Response).where(Response.id == response.id).values(body="回答：" + PHONE))
        elif change == 2:
            db.session.execute(TextScreening.__table__.delete().where(TextScreening.response_id == response.id))
        elif change == 3:
            db.session.execute(update(Response).where(Response.id == response.id).values(state="submitted"))
    for finding in db.session.scalars(select(PersonalFinding)):
        if rng.random() < 0.3:
            finding.state = "not_personal"
    db.session.commit()

    period = db.session.get(CommentPeriod, period_id)
    in_sql = reading._blocking_in_sql(period)
    assert in_sql == reading._blocking_in_python(period)
    assert in_sql.unreviewed and in_sql.unscreened  # each seed leaves both kinds


@pytest.mark.services
def test_the_check_reads_the_texts_not_fresh_from_its_partial_indexes(app, ctx, make_period, add_opinions, answered):
    """The query for the screenings not fresh says its index's predicate in the same words: PostgreSQL
    proves the partial index answers it (a clause left out would make it read every screening)."""
    from sqlalchemy import event, text

    period_id = make_period(state="closed")
    add_opinions(period_id, [{"text": t, "state": "accepted"} for t in (PHONE, CLEAN, CLEAN)])
    answered(period_id)
    for opinion in db.session.scalars(select(Opinion).where(Opinion.period_id == period_id)):
        screen_opinion(opinion)
    db.session.commit()
    statements = []

    def keep(_conn, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        reading._blocking_in_sql(db.session.get(CommentPeriod, period_id))
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    due = [(s, p) for s, p in statements if "NOT coalesce" in s]
    assert len(due) == 2  # the opinions' and the answers'
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    cursor = db.session.connection().connection.driver_connection.cursor()
    for (statement, parameters), index in zip(due, ("opinions_due", "responses_due"), strict=True):
        plan = "\n".join(row[0] for row in cursor.execute("EXPLAIN " + statement, parameters).fetchall())
        assert f"ix_privacy_screenings_{index}" in plan, plan
    db.session.rollback()
