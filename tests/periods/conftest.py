"""What the period tests share: a minimal PDF. The factories are in tests/factories.py."""

# Their old home: imports written before the move keep working.
from tests.conftest import count_rows, uploads_dir  # noqa: F401
from tests.factories import make_period  # noqa: F401

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
