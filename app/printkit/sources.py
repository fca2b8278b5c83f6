"""Which text of the plan the large-print copy is made from."""

from app.plans.models import Plan
from app.plantext.models import PlanVersion
from app.plantext.services import public_versions


def text_version(plan: Plan) -> PlanVersion | None:
    """The plan's newest published text version: what the public reads on the site is what the
    viewing places hold on paper. An unpublished draft is never printed for them."""
    published = public_versions(plan)
    return published[-1] if published else None
