"""Helpers for walking an opinion from the citizen (or the paper desk) to the published result,
as people do it: through the pages, each role in its own browser (client)."""

import re
from datetime import date, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from app.moderation.models import Opinion
from app.periods.models import CommentPeriod
from app.privacy.models import PersonalFinding, TextScreening
from app.responses import results, services
from tests.conftest import csrf_token, login

# The example: a citizen writes their own details into the opinion itself.
SENTENCE = ("私は山田太郎です。電話は090-1234-5678、メール taro@example.jp、住所 下関市竹崎町4丁目1番22号。"
            "市民活動センターの開館時間を夜9時まで延ばしてください。")
PERSONAL = ("山田太郎", "090-1234-5678", "taro@example.jp", "下関市竹崎町4丁目1番22号")
KEPT = "市民活動センターの開館時間を夜9時まで延ばしてください。"


def client_for(app, make_user, *roles, department="まちづくり政策課"):
    """A browser of its own, logged in with ``roles``; returns (client, user id)."""
    user_id = make_user(*roles, department=department)
    with app.app_context():
        email = db.session.get(User, user_id).email
    client = app.test_client()
    assert login(client, email).status_code == 303
    return client, user_id


def post(client, path: str, data: dict, page: str | None = None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page or path)})


def opinions_of(app, period_id) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Opinion.id).where(Opinion.period_id == period_id).order_by(Opinion.id)))


def findings_of(app, period_id, state=None) -> list[tuple[int, str, str]]:
    """(id, kind, words) of the period's findings, in text order."""
    with app.app_context():
        query = (select(PersonalFinding).join(TextScreening).where(TextScreening.period_id == period_id)
                 .order_by(TextScreening.id, PersonalFinding.start))
        if state:
            query = query.where(PersonalFinding.state == state)
        return [(f.id, f.kind, f.text) for f in db.session.scalars(query)]


def answer_all(app, period_id, author_id, approver_id, body="ご意見ありがとうございます。今後の参考とさせていただきます。"):
    """Staff write, submit and approve an answer for every accepted target."""
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        for target in services.period_targets(period):
            response = services.save_response(period, target, body=body, category="C",
                                              actor=db.session.get(User, author_id))
            services.submit_response(response, actor=db.session.get(User, author_id))
            services.approve_response(response, actor=db.session.get(User, approver_id))
        db.session.commit()


def close_and_describe(app, period_id, author_id):
    """The period has closed; the result has its title and the draft's date."""
    with app.test_request_context():
        period = db.session.get(CommentPeriod, period_id)
        period.opens_at, period.closes_at = utcnow() - timedelta(days=40), utcnow() - timedelta(minutes=1)
        results.update_result(period, title="意見募集の結果について", draft_published_on=date(2025, 10, 6),
                              full_text_note="全文はまちづくり政策課で閲覧できます。", introduction="",
                              actor=db.session.get(User, author_id))
        db.session.commit()


def publish(client, period_id):
    return post(client, f"/staff/periods/{period_id}/result/publish", {"confirm": "y"},
                f"/staff/periods/{period_id}/result")


def is_published(app, period_id) -> bool:
    with app.app_context():
        return db.session.get(CommentPeriod, period_id).results_published_at is not None


def receipt_link(html: str) -> str:
    return re.search(r'href="(/moderation/submissions/\d+)"', html).group(1)
