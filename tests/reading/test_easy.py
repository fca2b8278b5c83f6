"""やさしい日本語: the checker staff see while they write, and the summary box on public pages."""

from sqlalchemy import select

from app.extensions import db
from app.reading import easy
from app.reading.models import EasySummary
from tests.conftest import csrf_token

LONG = "この計画は、市民の皆さんが自分から始める活動を市が応援するために、これから五年間で取り組むことをまとめたものです。"


def test_the_joyo_list_has_its_2136_characters_in_their_listed_forms():
    joyo = easy.joyo_kanji()
    assert len(joyo) == 2136
    assert {"亜", "腕", "協", "働", "\U00020b9f", "塡", "剝", "頰"} <= joyo
    assert not {"叱", "嘘", "醤"} & joyo  # 叱 is allowed as a variant (see the checker), not listed


def test_long_sentences_are_counted_without_spaces_and_each_one_is_named():
    hints = easy.check(f"短い 文です。{LONG}\nもう一つの短い文。")
    assert [hint.kind for hint in hints] == ["long_sentence"]
    assert hints[0].subject == LONG and hints[0].size == len(LONG) > 50
    assert easy.check("これは " * 15 + "です。") == []  # 48 characters and 15 spaces: short enough
    assert easy.check("これは " * 16 + "です。")[0].size == 51


def test_kanji_outside_the_list_are_named_once_each_and_variants_pass():
    hints = easy.check("嘘を醤油で、嘘。叱る。")
    assert [(hint.kind, hint.subject) for hint in hints] == [("rare_kanji", "嘘醤")]
    assert "嘘・醤" in hints[0].message


def test_staff_write_a_summary_see_warnings_next_to_it_and_the_public_page_shows_the_box(app, login_as, client,
                                                                                          make_period):
    period = make_period(state="open")
    staff, _user = login_as("staff")
    url = f"/staff/easy-summaries/period/{period}"
    page = staff.get(url)
    assert page.status_code == 200
    response = staff.post(url, data={"text": f"意見を送ってください。\n{LONG}\n嘘はだめです。",
                                     "csrf_token": csrf_token(staff, url)})
    assert response.status_code == 303
    shown = staff.get(url).get_data(as_text=True)
    hints = shown.split('id="text-hints"')[1].split("</div>")[0]
    assert LONG in hints and "嘘" in hints
    public = client.get(f"/periods/{period}").get_data(as_text=True)
    box = public.split('class="easy-summary"')[1].split("</section>")[0]
    assert '<section class="easy-summary" lang="ja" aria-labelledby="easy-summary-heading">' in public
    assert "やさしい にほんご" in box and "<p>意見を送ってください。</p>" in box
    # Emptied, it leaves the public page.
    staff.post(url, data={"text": "  ", "csrf_token": csrf_token(staff, url)})
    with app.app_context():
        assert db.session.scalar(select(EasySummary.id)) is None
    assert 'class="easy-summary"' not in client.get(f"/periods/{period}").get_data(as_text=True)


def test_workshop_and_result_summaries_show_on_their_pages(app, login_as, client, make_workshop, make_period):
    workshop = make_workshop()
    period = make_period(state="closed", published=True)
    staff, _user = login_as("staff")
    for kind, subject, public in (("workshop", workshop, f"/workshops/{workshop}"),
                                  ("result", period, f"/periods/{period}/result")):
        url = f"/staff/easy-summaries/{kind}/{subject}"
        assert staff.post(url, data={"text": "みんなで 話し合う 会です。",
                                     "csrf_token": csrf_token(staff, url)}).status_code == 303
        html = client.get(public).get_data(as_text=True)
        assert "やさしい にほんご" in html and "<p>みんなで 話し合う 会です。</p>" in html, kind


def test_staff_of_another_department_cannot_write_a_summary(login_as, make_period):
    period = make_period()
    other, _user = login_as("staff", department="ほかの課")
    assert other.get(f"/staff/easy-summaries/period/{period}").status_code == 403
    assert other.get("/staff/easy-summaries/plan/1").status_code == 404
