from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from app.accounts.passwords import MIN_PASSWORD_LENGTH
from app.core.auth import ROLES


def role_choices():
    labels = {
        "citizen": _l("Citizen"),
        "moderator": _l("Moderator"),
        "staff": _l("Staff"),
        "facilitator": _l("Facilitator"),
        "admin": _l("Administrator"),
    }
    return [SelectChoice(role, labels[role]) for role in ROLES]


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address.")), Email(_l("Enter a valid email address.")),
                    Length(max=255)],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1024)]
    )
    remember = BooleanField(_l("Keep me logged in on this device (30 days; not for staff accounts)"))
    submit = SubmitField(_l("Log in"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password.")), Length(max=1024)]
    )
    new = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a new password.")),
            Length(min=MIN_PASSWORD_LENGTH, max=1024,
                   message=_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)),
        ],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(_l("Enter the new password again.")),
                    EqualTo("new", _l("The two new passwords do not match."))],
    )
    submit = SubmitField(_l("Change password"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices, validate_choice=True)
    action = SelectField(_l("Action"), choices=[SelectChoice("grant", _l("Grant")), SelectChoice("revoke", _l("Revoke"))])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Apply"))

    def validate_role(self, field):
        if field.data not in ROLES:
            raise ValidationError(_l("Choose a role from the list."))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("User (email)"), validators=[Optional(), Length(max=255)])
    object_type = StringField(_l("Object type"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))
