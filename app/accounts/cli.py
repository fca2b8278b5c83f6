import sys

import click
from flask import Flask

from app.accounts import services
from app.accounts.messages import both_languages
from app.core.auth import ROLES
from app.extensions import db


def init_app(app: Flask) -> None:
    @app.cli.group()
    def users():
        """User accounts."""

    @users.command("create")
    @click.option("--email", required=True)
    @click.option("--role", "roles", multiple=True, type=click.Choice(ROLES))
    @click.option("--name", "display_name", default="")
    @click.option("--department", default="",
                  help="Staff and moderators work this department's plans; left empty, every department's.")
    def create(email: str, roles: tuple[str, ...], display_name: str, department: str):
        """Create a user; the password is prompted for, or read from standard input. An easy password
        (app.accounts.passwords) is refused with the reason, and nothing is created."""
        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\n")
        try:
            user = services.create_user(email, password, roles, display_name=display_name,
                                        department=department)
        except services.AccountError as exc:
            raise click.ClickException(both_languages(exc.code)) from exc
        db.session.commit()
        click.echo(f"created {user.email} with roles {', '.join(sorted(user.roles)) or '-'}")
