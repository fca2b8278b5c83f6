"""Demo users, one per role, printed with their passwords. Never use these outside a demo."""

from app.accounts import services

DEMO_USERS = (
    ("admin@example.jp", "管理者 デモ", "", ("admin",)),
    ("staff@example.jp", "職員 デモ", "まちづくり政策課", ("staff",)),
    ("approver@example.jp", "承認者 デモ", "まちづくり政策課", ("staff",)),
    ("moderator@example.jp", "審査担当 デモ", "まちづくり政策課", ("moderator",)),
    ("facilitator@example.jp", "ファシリテーター デモ", "", ("facilitator",)),
    ("citizen@example.jp", "市民 デモ", "", ("citizen",)),
)
DEMO_PASSWORD = "meyasu-demo-2025"  # noqa: S105  (printed by `flask demo load` on purpose)


def load() -> list[str]:
    lines = []
    for email, name, department, roles in DEMO_USERS:
        if services.find_user(email) is None:
            services.create_user(email, DEMO_PASSWORD, roles, display_name=name, department=department)
        lines.append(f"user: {email} / {DEMO_PASSWORD} ({', '.join(roles)})")
    return lines
