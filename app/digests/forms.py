from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from app.digests.services import GROUP_TITLE_MAX


class RebuildForm(FlaskForm):
    submit = SubmitField(_l("Rebuild the digest"))


class ExportForm(FlaskForm):
    submit = SubmitField(_l("Build a CSV of the groups"))


class AcceptClusterForm(FlaskForm):
    title = StringField(
        _l("Group title"),
        validators=[Optional(), Length(max=GROUP_TITLE_MAX, message=_l("Keep the title within %(max)d characters."))],
    )
    submit = SubmitField(_l("Accept as an opinion group"))
