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
