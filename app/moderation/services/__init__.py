"""Moderation services. Each checks its rule, changes rows, writes the audit log and flushes;
the caller commits. Other features use ``index_submission`` (after creating a submission) and
``public_text`` (on the result page)."""

from app.moderation.services.bulk import BULK_ACTIONS, bulk_apply
from app.moderation.services.common import ModerationError, has_approved_response
from app.moderation.services.groups import dissolve_group, group_opinions, remove_from_group, rename_group
from app.moderation.services.opinions import (
    add_tag,
    create_opinion,
    decide_opinion,
    delete_opinion,
    split_by_entries,
    update_opinion,
)
from app.moderation.services.pages import group_period, opinion_history, period_tags, submission_opinions, user_labels
from app.moderation.services.queue import (
    QueueFilters,
    claim_submission,
    complete_submission,
    queue_query,
    queue_total,
    release_submission,
    reopen_submission,
    state_counts,
)
from app.moderation.services.redaction import MARK, add_redaction, public_text, redact_phrase, remove_redaction
from app.moderation.services.search import ensure_indexed, index_submission, reindex_all
from app.moderation.services.tags import can_manage_tags, create_tag, delete_tag, rename_tag

__all__ = [
    "BULK_ACTIONS", "MARK", "ModerationError", "QueueFilters", "add_redaction", "add_tag", "bulk_apply",
    "can_manage_tags", "claim_submission", "complete_submission", "create_opinion", "create_tag",
    "decide_opinion", "delete_opinion", "delete_tag", "dissolve_group", "ensure_indexed", "group_opinions",
    "has_approved_response", "index_submission", "public_text", "queue_query", "queue_total", "redact_phrase", "reindex_all",
    "release_submission", "remove_from_group", "remove_redaction", "rename_group", "rename_tag",
    "reopen_submission", "split_by_entries", "state_counts", "update_opinion", "group_period", "opinion_history",
    "period_tags", "submission_opinions", "user_labels",
]
