"""The editor's "start from another answer" list: the same part of the draft's answers, most recent first,
or a search by words; bounded, whatever the size of the period."""

from datetime import timedelta

from sqlalchemy import update

from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod
from app.responses import services, worklist
from app.responses.models import Response


def _answer(period_id, kind, target_id, body, *, minutes_ago=0):
    response = Response(period_id=period_id, body=body, category="A", state="draft",
                        opinion_id=target_id if kind == "opinion" else None,
                        group_id=target_id if kind == "group" else None)
    db.session.add(response)
    db.session.flush()
    db.session.execute(update(Response).where(Response.id == response.id)
                       .values(updated_at=utcnow() - timedelta(minutes=minutes_ago)))
    return response.id


def _offered(period_id, kind, target_id, words=""):
    db.session.expire_all()
    period = db.session.get(CommentPeriod, period_id)
    target = services.find_target(period, kind, target_id)
    return [source.response.id for source in worklist.copy_sources(period, target, words)]


def test_the_same_sections_answers_are_offered_most_recent_first(ctx, make_period, make_opinion, make_group):
    period_id = make_period()
    mine = make_opinion(period_id, section=2)
    older = _answer(period_id, "opinion", make_opinion(period_id, section=2), "古い回答", minutes_ago=30)
    newer = _answer(period_id, "opinion", make_opinion(period_id, section=2), "新しい回答", minutes_ago=1)
    group_id = make_group(period_id)
    make_opinion(period_id, group=group_id, section=2)
    make_opinion(period_id, group=group_id, section=3)
    grouped = _answer(period_id, "group", group_id, "グループへの回答", minutes_ago=10)
    _answer(period_id, "opinion", make_opinion(period_id, section=3), "別の章への回答")
    _answer(period_id, "opinion", make_opinion(period_id, section=2), "")  # nothing to copy
    withheld = make_opinion(period_id, section=2)
    _answer(period_id, "opinion", withheld, "取り下げた意見への回答")
    db.session.execute(update(Opinion).where(Opinion.id == withheld).values(state="withheld"))
    other_period = make_period()
    _answer(other_period, "opinion", make_opinion(other_period, section=2), "別の期間の回答")
    own = _answer(period_id, "opinion", mine, "自分の回答")

    assert _offered(period_id, "opinion", mine) == [newer, grouped, older]
    # The group's section is its lead's (the oldest accepted member): section 2.
    assert own in _offered(period_id, "group", group_id) and grouped not in _offered(period_id, "group", group_id)


def test_words_find_answers_in_every_section_by_their_text_or_their_opinion(ctx, make_period, make_opinion):
    period_id = make_period()
    mine = make_opinion(period_id, section=1)
    by_answer = _answer(period_id, "opinion", make_opinion(period_id, section=3), "駐輪場を増やします。")
    by_opinion = _answer(period_id, "opinion", make_opinion(period_id, section=2, excerpt="駐輪場が足りない。"),
                         "検討します。", minutes_ago=5)
    same_section = _answer(period_id, "opinion", make_opinion(period_id, section=1), "図書館の件です。")
    percent = _answer(period_id, "opinion", make_opinion(period_id, section=3), "利用率を10%上げます。")
    assert _offered(period_id, "opinion", mine) == [same_section]
    assert _offered(period_id, "opinion", mine, "駐輪場") == [by_answer, by_opinion]
    assert _offered(period_id, "opinion", mine, "10%") == [percent]
    assert _offered(period_id, "opinion", mine, "%") == [percent]  # a wildcard is a character here
    assert _offered(period_id, "opinion", mine, "ありません") == []


def test_long_and_short_words_find_the_same_answers(ctx, make_period, make_opinion, make_group):
    """Three characters or more go through the texts' own tables (PostgreSQL's trigram indexes), shorter
    words through the list's rows: both find answers by their text, by a lone opinion's summary or
    excerpt and by a group's lead, ignore case, and leave out what is not offered."""
    period_id = make_period()
    mine = make_opinion(period_id, section=1)
    by_body = _answer(period_id, "opinion", make_opinion(period_id, section=2), "Bike parking は増やします。")
    by_summary = _answer(period_id, "opinion", make_opinion(period_id, section=3), "検討します。", minutes_ago=2)
    db.session.execute(update(Opinion).where(Opinion.id == db.session.get(Response, by_summary).opinion_id)
                       .values(summary="BIKE PARKING の要望"))
    group_id = make_group(period_id)
    make_opinion(period_id, group=group_id, excerpt="bike parking が足りない。")
    make_opinion(period_id, group=group_id, excerpt="別の話です。")
    by_group = _answer(period_id, "group", group_id, "まとめて回答します。", minutes_ago=4)
    withheld = make_opinion(period_id, excerpt="bike parking の件")
    _answer(period_id, "opinion", withheld, "bike parking の回答")
    db.session.execute(update(Opinion).where(Opinion.id == withheld).values(state="withheld"))
    other_period = make_period()
    _answer(other_period, "opinion", make_opinion(other_period, excerpt="bike parking"), "bike parking")
    _answer(period_id, "opinion", make_opinion(period_id, excerpt="bike parking"), "")  # nothing to copy

    found = [by_body, by_summary, by_group]
    assert len("parking") >= worklist.TRIGRAM > len("Pa")
    assert _offered(period_id, "opinion", mine, "Bike Parking") == found
    assert _offered(period_id, "opinion", mine, "ke pa") == found  # a space inside the words
    assert _offered(period_id, "opinion", mine, "Pa") == found
    assert _offered(period_id, "opinion", mine, "bike lane") == []


def test_the_list_is_bounded(ctx, make_period, make_opinion):
    period_id = make_period()
    mine = make_opinion(period_id)
    for number in range(worklist.COPY_MAX + 2):
        _answer(period_id, "opinion", make_opinion(period_id), f"回答{number}", minutes_ago=number)
    offered = _offered(period_id, "opinion", mine)
    assert len(offered) == worklist.COPY_MAX and offered == sorted(offered)  # answer n was saved n minutes ago


def test_the_editor_searches_with_a_plain_get_form(app, login_as, make_period, make_opinion):
    period_id = make_period()
    mine = make_opinion(period_id, section=1)
    make_opinion(period_id, section=3, summary="駐輪場を増やしてほしい。")
    staff, _user_id = login_as("staff")
    with app.app_context():
        db.session.add(Response(period_id=period_id, opinion_id=mine + 1, body="駐輪場を増やします。", category="",
                                state="draft"))
        db.session.commit()
    page = staff.get(f"/staff/periods/{period_id}/responses/opinion/{mine}").get_data(as_text=True)
    assert 'name="copy_q"' in page and "駐輪場を増やしてほしい" not in page  # another section: not listed
    found = staff.get(f"/staff/periods/{period_id}/responses/opinion/{mine}?copy_q=駐輪場").get_data(as_text=True)
    assert "駐輪場を増やしてほしい" in found and 'value="駐輪場"' in found
    hostile = staff.get(f"/staff/periods/{period_id}/responses/opinion/{mine}?copy_q=<script>x</script>")
    assert hostile.status_code == 200 and "<script>x" not in hostile.get_data(as_text=True)
