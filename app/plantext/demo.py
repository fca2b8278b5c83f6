"""Chapter 1 of the Shimonoseki plan's 素案, written for the demo from the facts in
shared/reference/shimonoseki-case.md and imported through the same parser staff use."""

from pathlib import Path

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.plans.demo import demo_plan
from app.plantext import demo_versions, services

CHAPTER_1 = Path(__file__).with_name("demo_chapter1.md")


def load() -> list[str]:
    plan = demo_plan()
    if plan is None:
        return []
    staff = db.session.scalar(select(User).where(User.email == "staff@example.jp"))
    version = services.draft_version(plan, actor=staff)
    text = CHAPTER_1.read_text(encoding="utf-8")
    if version.is_published:
        lines = ["plan text: 素案 (already loaded)"]
    else:
        services.import_text(version, text, actor=staff)
        services.publish_version(version, actor=staff)
        lines = [f"plan text: 素案, {len(version.sections)} headings"]
    return lines + demo_versions.load(plan, version, text, staff)
