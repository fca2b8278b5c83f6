from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class FollowForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[
        DataRequired(_l("Enter your email address.")),
        Email(_l("Enter a valid email address, such as name@example.jp.")),
        Length(max=254, message=_l("Enter an email address of at most 254 characters."))])
    submit = SubmitField(_l("Follow this plan"))


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Confirm and start receiving mails"))
