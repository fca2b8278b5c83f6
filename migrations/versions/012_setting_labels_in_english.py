"""lists of labels in the settings carry an English label: [code, Japanese label, English label]

English pages showed the city's attributes and 反映区分 in Japanese only. A stored list keeps its
Japanese wording; an item whose code and Japanese label are the defaults gets the default English
label, any other item an empty one (English pages then show the Japanese label until an admin adds
one). Downgrade drops the English labels.

Revision ID: 012
Revises: 011
Create Date: 2026-12-02 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "012"
down_revision = "011"
branch_labels = None
depends_on = None

# The defaults as they were written in app.core.settings when this migration was: a migration does
# not import the application, whose defaults may change later.
ENGLISH = {
    "period.attributes": {
        ("resident", "在住"): "Lives in the city",
        ("worker", "在勤"): "Works in the city",
        ("student", "在学"): "Studies in the city",
        ("business", "事業者"): "Runs a business in the city",
        ("stakeholder", "利害関係者"): "Has an interest in the matter",
    },
    "response.categories": {
        ("A", "反映する"): "Reflected in the plan",
        ("B", "既に盛り込み済み"): "Already in the draft",
        ("C", "今後の参考とする"): "Taken into account in future work",
        ("D", "反映困難"): "Difficult to reflect",
        ("E", "その他"): "Other",
    },
}

settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.JSON))


def _rewrite(change) -> None:
    bind = op.get_bind()
    for key, value in bind.execute(sa.select(settings.c.key, settings.c.value)
                                   .where(settings.c.key.in_(list(ENGLISH)))).all():
        if isinstance(value, list):
            bind.execute(settings.update().where(settings.c.key == key)
                         .values(value=[change(key, item) for item in value]))


def upgrade():
    def add_english(key, item):
        code, label = str(item[0]), str(item[1])
        english = str(item[2]) if len(item) > 2 else ENGLISH[key].get((code, label), "")
        return [code, label, english]

    _rewrite(add_english)


def downgrade():
    _rewrite(lambda key, item: [str(item[0]), str(item[1])])
