"""What following tests share: a confirmed follower made directly, and the links in a mail."""

import re
from datetime import timedelta

import pytest

from app.core.timeutil import utcnow
from app.extensions import db, limiter
from app.follow.models import Follower


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()


@pytest.fixture
def make_follower(app):
    """A follower of ``plan_id``, confirmed ``confirmed_ago`` before now unless ``confirmed=False``; its id."""

    def make(plan_id, email="fan@example.jp", *, confirmed=True, confirmed_ago=timedelta(days=1), locale="ja"):
        with app.app_context():
            follower = Follower(plan_id=plan_id, email=email, locale=locale,
                                created_at=utcnow() - confirmed_ago - timedelta(minutes=5),
                                confirmed_at=utcnow() - confirmed_ago if confirmed else None)
            db.session.add(follower)
            db.session.commit()
            return follower.id

    return make


def links_in(mail) -> list[str]:
    return re.findall(r"https?://\S+", mail.get_content())


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]
