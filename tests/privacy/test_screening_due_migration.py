"""Migration 031 on PostgreSQL: the screenings already there get their texts' state and hashes, and
down and up again gives the same (run as an operator does, in processes of their own, on a database of
its own)."""

import os

import psycopg
import pytest

from tests.operator import flask_command

DATABASE = "test_migrate_031"
COPIES = """
    SELECT 'opinion', s.id, s.text_state, s.text_state IS NOT DISTINCT FROM o.state
                                AND s.text_summary_sha256 IS NOT DISTINCT FROM o.summary_sha256
                                AND s.text_excerpt_sha256 IS NOT DISTINCT FROM o.excerpt_sha256
      FROM privacy_screenings s JOIN opinions o ON o.id = s.opinion_id
    UNION ALL
    SELECT 'response', s.id, s.text_state, s.text_state IS NOT DISTINCT FROM r.state
                                 AND s.text_body_sha256 IS NOT DISTINCT FROM r.body_sha256
      FROM privacy_screenings s JOIN responses r ON r.id = s.response_id
    ORDER BY 1, 2"""


@pytest.mark.services
def test_031_copies_the_texts_onto_the_screenings_already_there_and_goes_down_and_up(tmp_path):
    server = os.environ["TEST_DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(os.environ["TEST_DATABASE_URL"], autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    flask = flask_command(f"{server}/{DATABASE}", tmp_path)

    def rows(query):
        with psycopg.connect(f"{server}/{DATABASE}") as connection:
            return connection.execute(query).fetchall()

    try:
        flask("db", "upgrade")
        flask("demo", "load")
        copies = rows(COPIES)
        assert {(kind, state) for kind, _id, state, _same in copies} >= {("opinion", "accepted"), ("response", "approved")}
        assert all(same for *_rest, same in copies)

        flask("db", "downgrade", "030")
        assert not rows("SELECT 1 FROM information_schema.columns WHERE column_name = 'text_state'")
        flask("db", "upgrade")
        assert rows(COPIES) == copies  # every screening given its text again by the migration itself
    finally:
        with psycopg.connect(os.environ["TEST_DATABASE_URL"], autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
