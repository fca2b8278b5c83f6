"""What we heard: public once the result is published, built from the result and the digest, and no
keyword that could point at a person (too few opinions, a person's name, a personal-data finding)."""

import hashlib

import pytest
from lxml import html as lxml_html

from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod
from app.privacy.models import PersonalFinding, TextScreening
from tests.digests.test_digest_job import build

LEAD = "公民館の開館時間を夜まで延ばしてほしい。"
ALIKE = "田中さんも言っていたが、山口町の公民館は夜の開館時間が短すぎる。"


@pytest.fixture
def heard_period(app, make_period, add_opinions, make_group, answered, run_jobs):
    """A closed period: seven similar opinions on 第1章 1 answered as one group, two on 第1章 2 each
    answered alone; a finding of the screening (a place where someone lives); the digest built and
    the result published."""
    period_id = make_period(state="closed")
    grouped = add_opinions(period_id, [{"text": LEAD, "state": "accepted"}]
                           + [{"text": ALIKE, "state": "accepted"} for _ in range(6)])
    add_opinions(period_id, [{"text": "駐車場が狭いので拡張してください。", "section": 2, "state": "accepted"},
                             {"text": "駐車場の台数を増やしてほしい。", "section": 2, "state": "accepted"}])
    group_id = make_group(period_id, title="公民館の開館時間")
    with app.test_request_context():
        db.session.execute(db.update(Opinion).where(Opinion.id.in_(grouped)).values(group_id=group_id))
        screening = TextScreening(period_id=period_id, opinion_id=grouped[1], field="excerpt",
                                  text_sha256=hashlib.sha256(ALIKE.encode()).hexdigest())
        screening.findings.append(PersonalFinding(kind="address", start=12, end=15, text="山口町", score=0.9,
                                                  source="rule"))
        db.session.add(screening)
        db.session.commit()
        build(period_id, run_jobs)
    answered(period_id)
    with app.app_context():
        db.session.get(CommentPeriod, period_id).results_published_at = utcnow()
        db.session.commit()
    return period_id


def keyword_lists(page: str) -> list[list[str]]:
    tree = lxml_html.fromstring(page)
    return [[item.text.strip() for item in ol.xpath("./li")] for ol in tree.xpath("//ol[@class='keywords']")]


def test_the_public_reads_what_was_heard_by_part_of_the_draft(client, heard_period):
    response = client.get(f"/periods/{heard_period}/heard")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    overall, first_section = keyword_lists(page)  # 第1章 2 has no word used by five opinions
    assert overall[0] == "公民館" and "公民館" in first_section
    for words in (overall, first_section):
        assert "田中" not in words  # a person's name
        assert "山口町" not in words and "山口" not in words  # what the screening found
        assert "駐車場" not in words  # two opinions only
    tree = lxml_html.fromstring(page)
    parts = [h.text_content().strip() for h in tree.xpath("//section[@class='heard-section']/h3")]
    assert parts == ["第1章 1 計画の背景", "第1章 2 計画の趣旨"]
    assert "7件の意見が公表されました。" in page and "2件の意見が公表されました。" in page
    groups = tree.xpath("//ul[@class='heard-groups']/li")
    assert len(groups) == 1  # the two opinions on 第1章 2 were answered one by one: no group
    assert "7件" in groups[0].text_content() and LEAD in groups[0].text_content()
    assert "ご意見ありがとうございます。" in groups[0].text_content()  # the city's answer
    assert tree.xpath("//svg[@role='img']") and tree.xpath("//details/table")  # the chart and its table
    assert "市民 太郎" not in page  # the submitters' names


def test_the_api_carries_the_same_summary(client, heard_period):
    data = client.get(f"/api/v1/periods/{heard_period}/heard").get_json()
    assert data["opinions"] == 9 and data["submitters"] == 9
    assert [k["word"] for k in data["keywords"]][0] == "公民館"
    assert all(k["word"] not in ("田中", "山口町", "駐車場") for k in data["keywords"])
    first, second = data["sections"]
    assert (first["opinions"], second["opinions"]) == (7, 2)
    assert [g["similar"] for g in first["groups"]] == [7] and second["groups"] == []
    assert sum(day["submissions"] for day in data["per_day"]) == 9
    assert data["links"]["html"].endswith(f"/periods/{heard_period}/heard")


def test_nothing_is_heard_before_the_result_is_published(client, make_period):
    period_id = make_period(state="closed")
    assert client.get(f"/periods/{period_id}/heard").status_code == 404
    problem = client.get(f"/api/v1/periods/{period_id}/heard").get_json()
    assert problem["type"].endswith("#result_not_published")


def test_the_result_links_to_what_was_heard(client, heard_period):
    page = client.get(f"/periods/{heard_period}/result").get_data(as_text=True)
    assert f'href="/periods/{heard_period}/heard"' in page


def test_the_rules_take_out_words_the_digest_found(app, heard_period):
    """The digest itself (staff only) has the words the public page leaves out."""
    from tests.digests.test_digest_job import digest_of

    with app.app_context():
        words = [word for word, _count in digest_of(heard_period).keywords["overall"]]
    assert "田中" in words and ("山口町" in words or "山口" in words)
