"""``flask …`` as an operator runs it: in a process of its own, on a database of its own (the suite's
session is bound to the test database)."""

import os
import subprocess
import sys

from config import BASE_DIR


def flask_command(database_url: str, tmp_path):
    """A function that runs ``flask *args`` on ``database_url`` and fails the test when it fails."""
    env = {**os.environ, "FLASK_APP": "wsgi.py", "MEYASU_ENV": "development", "REDIS_URL": "",
           "DATABASE_URL": database_url, "UPLOAD_FOLDER": str(tmp_path / "uploads"),
           "EXPORT_FOLDER": str(tmp_path / "exports")}

    def flask(*args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=BASE_DIR, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]

    return flask
