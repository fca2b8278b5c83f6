import sys

from app import create_app
from app.core.jobs import QUEUES
from workers import build_worker


def main(argv: list[str]) -> None:
    names = argv or list(QUEUES)
    unknown = [name for name in names if name not in QUEUES]
    if unknown:
        raise SystemExit(f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(QUEUES)}")
    app = create_app()
    build_worker(app, names).work(with_scheduler=True)


if __name__ == "__main__":
    main(sys.argv[1:])
