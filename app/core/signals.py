"""Named signals: how a feature reacts to another's events without that feature knowing it.

Senders call ``signal.send(sender, **values)`` inside their transaction; receivers connect in their
feature's ``init_app`` and only flush, like any service.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Opinion whose public text (summary or excerpt) or redactions were made or changed; actor=
opinion_text_changed = _signals.signal("opinion-text-changed")
# sender: the Response (市の考え方) whose text was saved; actor=
response_text_changed = _signals.signal("response-text-changed")
# sender: the CommentPeriod about to be published; each receiver returns a list of
# app.responses.results.Problem (empty when it has nothing against publishing)
publication_check = _signals.signal("publication-check")
