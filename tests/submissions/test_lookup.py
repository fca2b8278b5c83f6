"""The private lookup page: the state now, the opinions as sent, and what other features add."""

import pytest

from app.core import signals
from tests.submissions.conftest import look_up, opinion, receipt_of, submit


def _receipt(client, period_id, body="照会テストの意見です。"):
    number, secret, _html = receipt_of(client, submit(client, period_id, opinion(body)))
    return number, secret


def test_lookup_with_the_receipt_number_and_secret_shows_the_state_and_text(client, make_period):
    period_id = make_period()
    number, secret = _receipt(client, period_id)
    response = look_up(client, number, secret.lower().replace("-", " "))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "照会テストの意見です。" in html and "受付済み（確認待ち）" in html and "募集中" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_lookup_with_a_wrong_secret_says_so_by_the_field_and_shows_nothing(client, make_period):
    period_id = make_period()
    number, _ = _receipt(client, period_id)
    response = look_up(client, number, "AAAA-BBBB-CCCC-DDDD")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "受付番号と照会コードが一致しません" in html and 'id="secret-error"' in html
    assert "照会テストの意見です。" not in html


def test_lookup_extras_are_rendered(client, make_period, monkeypatch, tmp_path, app):
    period_id = make_period()
    number, secret = _receipt(client, period_id)

    def extra(submission):
        return "submissions/_test_extra.html", {"receipt": submission.receipt_no}

    loader = app.jinja_env.loader
    from jinja2 import ChoiceLoader, DictLoader

    monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader([
        DictLoader({"submissions/_test_extra.html": "<p>市の考え方 for {{ ctx.receipt }}</p>"}), loader]))
    app.jinja_env.cache.clear()
    with signals.lookup_sections.connected_to(extra):
        html = look_up(client, number, secret).get_data(as_text=True)
    assert f"市の考え方 for {number}" in html
    app.jinja_env.cache.clear()


def test_empty_lookup_shows_the_form(client):
    html = client.get("/lookup").get_data(as_text=True)
    assert 'id="receipt"' in html and 'id="secret"' in html and 'method="post"' in html


@pytest.mark.parametrize("receipt, secret, missing", [("", "", ("receipt", "secret")), ("1-00001", "", ("secret",)),
                                                      ("", "AAAA", ("receipt",))])
def test_incomplete_lookup_says_what_is_missing_by_the_field(client, receipt, secret, missing):
    html = look_up(client, receipt, secret).get_data(as_text=True)
    assert 'id="receipt"' in html and 'id="secret"' in html
    for name in missing:
        assert f'id="{name}-error"' in html
    assert ("受付番号を入力してください" in html) == ("receipt" in missing)


def test_after_publication_the_status_says_the_result_is_out_not_that_it_will_be(app, client, make_period):
    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.periods.models import CommentPeriod
    from app.submissions.models import Submission

    period_id = make_period()
    number, secret = _receipt(client, period_id)
    with app.app_context():
        db.session.scalars(db.select(Submission)).one().state = "done"
        db.session.commit()
    before = look_up(client, number, secret).get_data(as_text=True)
    assert "市の考え方は結果公表の際にお知らせします" in before
    with app.app_context():
        db.session.get(CommentPeriod, period_id).results_published_at = utcnow()
        db.session.commit()
    after = look_up(client, number, secret).get_data(as_text=True)
    assert "結果公表の際にお知らせします" not in after
    assert "結果を公表しました" in after


def test_receipt_and_lookup_show_every_entry_and_every_file(client, make_period, uploads_dir):
    """Both pages read the submission with its entries and its files joined in one query: a person with three
    opinions and two files sees all three, once each and in order, and the receipt counts two files (not six)."""
    import io

    from tests.periods.conftest import PDF

    period_id = make_period()
    bodies = ["一つ目の意見です。", "二つ目の意見です。", "三つ目の意見です。"]
    data = opinion(bodies[0], **{"entries-1-section": "", "entries-1-body": bodies[1],
                                 "entries-2-section": "", "entries-2-body": bodies[2]})
    response = submit(client, period_id, data, files=[(io.BytesIO(PDF), "資料1.pdf"), (io.BytesIO(PDF), "資料2.pdf")])
    assert response.status_code == 303
    number, secret, receipt_html = receipt_of(client, response)
    lookup_html = look_up(client, number, secret).get_data(as_text=True)
    for html in (receipt_html, lookup_html):
        assert [html.count(body) for body in bodies] == [1, 1, 1]
        assert html.index(bodies[0]) < html.index(bodies[1]) < html.index(bodies[2])
    assert "2件のファイルを添付しました。" in receipt_html
