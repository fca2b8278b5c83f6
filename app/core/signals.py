"""Named signals: every point where a feature adds to another's page or reacts to its event.

Senders call ``signal.send(sender, **values)`` inside their transaction; receivers connect in their
feature's ``init_app`` and only flush, like any service. Receivers are module-level functions:
blinker holds them weakly, and connecting the same function again (``create_app`` runs more than
once in tests and the CLI) changes nothing, so no feature guards its connections.

Receivers run in the order they were connected, which is the order ``app.FEATURES`` lists the
features: the home page, the menu and the shed page's labels depend on it.
"""

from blinker import NamedSignal, Namespace


class _OrderedIds(dict):
    """The set blinker keeps receiver ids in, remembering the order they were added."""

    def add(self, key) -> None:
        self[key] = None

    def discard(self, key) -> None:
        self.pop(key, None)

    def copy(self) -> "_OrderedIds":
        return _OrderedIds(self)

    def __or__(self, other) -> "_OrderedIds":
        merged = _OrderedIds(self)
        merged.update(dict.fromkeys(other))
        return merged


class _OrderedSignal(NamedSignal):
    set_class = _OrderedIds


class _Namespace(Namespace):
    def signal(self, name: str, doc: str | None = None) -> NamedSignal:
        if name not in self:
            self[name] = _OrderedSignal(name, doc)
        return self[name]


_signals = _Namespace()

# sender: the Opinion whose public text (summary or excerpt) or redactions were made or changed; actor=
opinion_text_changed = _signals.signal("opinion-text-changed")
# sender: the Response (市の考え方) whose text was saved; actor=
response_text_changed = _signals.signal("response-text-changed")
# sender: an Opinion or OpinionGroup moderation is about to regroup, re-decide, withhold or delete;
# approved=True asks about an approved answer to it (or to the opinion's group), which fixes it,
# approved=False about any answer to the opinion on its own; each receiver returns True if one exists
answer_exists = _signals.signal("answer-exists")
# sender: the CommentPeriod about to be published; each receiver returns a list of
# app.responses.results.Problem (empty when it has nothing against publishing)
publication_check = _signals.signal("publication-check")

# sender: the CommentPeriod whose result is drawn; numbers= {opinion id: its row number in the result};
# a receiver returns the 修正内容 built from the plan's text (rows with section, before, after, numbers
# and lines, the diff's changed lines), or None when the period has none: the hand-typed changes stay
result_changes = _signals.signal("result-changes")

# sender: the ids of the Sections a period's staff are about to remove; each receiver returns how
# many of its rows point at them (a submission's entries): a section in use is kept
section_in_use = _signals.signal("section-in-use")

# sender: the Workshop just published (announced to the public); receivers record what they need
# (followers' mails) in the same transaction
workshop_published = _signals.signal("workshop-published")
# sender: the CommentPeriod whose result was just published; same transaction
result_published = _signals.signal("result-published")
# sender: the CommentPeriod whose sections staff are editing; each receiver returns (template, context)
# to include above the list, or None (the plan's text offers to make them from its headings)
period_section_sources = _signals.signal("period-section-sources")

# sender: the Submission shown on the citizen's lookup page; each receiver returns
# (template, context) to include, or None when it has nothing to add (the city's response, later)
lookup_sections = _signals.signal("lookup-sections")
# sender: the Plan whose public timeline is drawn; public=; each receiver returns a list of
# app.plans.services.TimelineEntry (its participation steps)
plan_timeline = _signals.signal("plan-timeline")
# sender: the Plan whose public page is drawn; user= (the reader, or None); each receiver returns
# (template, context) to include under the plan's summary, or None (the plan's text, its versions)
plan_page_sections = _signals.signal("plan-page-sections")
# sender: the Plan on its staff dashboard (事務局); user=; each receiver returns a list of
# app.plans.office.WorkGroup (a period, workshop or survey with what is waiting in it); groups with
# the same key, from several features, are shown as one
plan_work = _signals.signal("plan-work")
# sender: the CommentPeriod whose page is drawn; place="public" (the public page, cached: the answer
# may depend on the period only) or "staff" (its staff page), user=; each receiver returns
# (template, context) to include, or None (the print kit for the viewing places)
period_page_sections = _signals.signal("period-page-sections")
# sender: None; each receiver returns (template, context) for the home page, or None
home_sections = _signals.signal("home-sections")
# sender: the cutoff datetime past which personal data goes; each receiver deletes what it keeps
# from before it, flushes and returns (name, number of records or files cleared)
personal_data_purge = _signals.signal("personal-data-purge")
# sender: the exception an error page is about; a receiver returns a Response when the path is its
# own (the API's problem+json), or None to leave the error to the HTML page
error_response = _signals.signal("error-response")
# sender: a JobRun's subject_type (see app.core.runs.run_subject); run=, user=; each receiver
# returns False when the user may not follow the run, or True/None. Admins are not asked about.
job_run_access = _signals.signal("job-run-access")
# sender: None; each receiver returns a dict {step code: lazy label} for what a job's progress bar says
job_steps = _signals.signal("job-steps")

# Declarations collected once per app, when create_app is done (app.core.collect_declarations), as
# they are looked at on every request:
# sender: the app; each receiver returns a list of (pattern, label) for its forms' fields, as the
# overload shed and CSRF pages label what a POST carried (see app.core.shed)
shed_fields = _signals.signal("shed-fields")
# sender: the app; each receiver returns the endpoints of its forms a crowd sends at a deadline
shed_forms = _signals.signal("shed-forms")
# sender: the app; each receiver returns the endpoints among those forms that finish what a person has
# already confirmed (a send with the confirm page's key): shed later than new forms (SHED_SEND_WAIT_MS)
shed_sends = _signals.signal("shed-sends")
# sender: the app; each receiver returns the endpoints whose anonymous pages may be kept a few seconds
cacheable_pages = _signals.signal("cacheable-pages")
# sender: the app; each receiver returns a list of app.core.nav.NavItem for the menu
nav_items = _signals.signal("nav-items")

# Asked by the scheduler process (workers/schedule.py) when it starts:
# sender: the app; each receiver returns its feature's recurring jobs, the list of
# app.core.jobs.Recurring its tasks module declares as ``SCHEDULE``
recurring_jobs = _signals.signal("recurring-jobs")
