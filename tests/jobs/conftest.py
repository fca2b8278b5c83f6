from tests.digests.conftest import add_opinions, client_as, make_period  # noqa: F401  (shared factories)
