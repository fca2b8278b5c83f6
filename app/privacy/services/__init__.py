"""Screening the texts the city publishes for personal data, and reviewing what is found.

The rules kept here:
- Every text that is to be published is screened whenever it is made or changed: an opinion's
  public text (summary, or excerpt while it has none) and the city's answer. The citizen's send is
  not slowed down: a submission is screened when moderators cut opinions out of it.
- A finding stays "unreviewed" until a reviewer hides it (the redaction, with its reason) or says
  it is not personal (with a note). Both are audited; the audit log never holds the found text.
- Screening again after a change keeps every decision that still applies: a span still hidden
  stays redacted, and words once judged "not personal" stay so wherever they are in the new text.
- While an accepted opinion or approved answer holds an unreviewed finding, or changed since it
  was screened and holds personal data, the result cannot be published.
"""

from app.privacy.services.reading import (
    Blocking,
    ReviewItem,
    blocking,
    entry_findings,
    highlight,
    publication_problems,
    review_items,
    unreviewed_by_opinion,
    unreviewed_by_submission,
)
from app.privacy.services.review import PrivacyError, clear_finding, purge_findings, redact_finding
from app.privacy.services.screening import (
    findings_of,
    on_opinion_changed,
    on_response_changed,
    screen_opinion,
    screen_period,
    screen_response,
    stale_texts,
)

__all__ = [
    "Blocking", "PrivacyError", "ReviewItem", "blocking", "clear_finding", "entry_findings", "findings_of",
    "highlight", "on_opinion_changed", "on_response_changed", "publication_problems", "purge_findings",
    "redact_finding", "review_items", "screen_opinion", "screen_period", "screen_response", "stale_texts",
    "unreviewed_by_opinion", "unreviewed_by_submission",
]
