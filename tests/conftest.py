from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from content import bundled_course_paths, load_course
from retrieval import SentenceTransformerEmbedder
from retrieval.embeddings import Vectors
from tutor import Database, Identity, Inbound, Reply, Tutor
from tutor.actions import decode, encode
from tutor.importer import import_course
from tutor.knowledge import CourseSearch

FIXTURES = Path(__file__).parent / "fixtures"
MINI_COURSE = FIXTURES / "courses" / "mini"
POSTGRES_URL = os.environ.get("TUTORBOT_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_problem() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
    except OperationalError as exc:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {str(exc.orig).splitlines()[0]}"
    return None


_PG_PROBLEM = _postgres_problem()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema on the test PostgreSQL server, dropped afterwards."""
    if _PG_PROBLEM:
        pytest.skip(_PG_PROBLEM)
    schema = f"tb_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


REDIS_URL = os.environ.get("TUTORBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_problem() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis not reachable at {REDIS_URL}: {exc}"
    return None


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis (its database 15): several processes' shared send budget."""
    problem = _redis_problem()
    if problem:
        pytest.skip(problem)
    return REDIS_URL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same tests over both stores."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tutorbot.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    db = Database(url)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'tutorbot.db'}")
    yield db
    db.dispose()


def import_path(db: Database, path: Path) -> None:
    with db.session() as session:
        import_course(session, load_course(path).unwrap())
        session.commit()


@contextmanager
def sent_statements(db: Database) -> Iterator[list[tuple[str, str]]]:
    """Every statement sent to `db` inside the block, with its parameters (as repr)."""
    sent: list[tuple[str, str]] = []

    def record(_connection: object, _cursor: object, statement: str, parameters: object,
               *_: object) -> None:
        sent.append((statement, repr(parameters)))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def mini_db(sqlite_db: Database) -> Database:
    import_path(sqlite_db, MINI_COURSE)
    return sqlite_db


@pytest.fixture
def bundled_db(sqlite_db: Database) -> Database:
    for path in bundled_course_paths():
        import_path(sqlite_db, path)
    return sqlite_db


def write_wide_course(folder: Path, lessons: int = 20, options: int = 10) -> Path:
    """A course wider than one chat message's buttons: many lessons, and a select-all
    question with many options (answer: the even numbers)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.yaml").write_text(
        "id: wide\ntitle: Wide course\ndescription: Many lessons, many options.\n"
        "language: en\nversion: 1\nskills:\n  numbers: Telling numbers apart\n")
    numbers = [str(n) for n in range(1, options + 1)]
    even = [n for n in numbers if int(n) % 2 == 0]
    for n in range(1, lessons + 1):
        quiz = "" if n > 1 else (
            "\n```question\nid: wide-even\ntype: multiple\n"
            "prompt: Which of these numbers are even?\nskills: [numbers]\ndifficulty: 1\n"
            f"options: {numbers}\nanswer: {even}\n"
            "explanation: An even number halves without a remainder.\n```\n")
        (folder / f"{n:02d}-lesson.md").write_text(
            f"---\nid: lesson-{n}\ntitle: Lesson number {n} of the wide course\n"
            f"order: {n}\nskills: [numbers]\n---\n\n# Card {n}\n\n"
            f"Lesson {n} says that {n} is a number.\n{quiz}")
    return folder


@pytest.fixture
def wide_db(sqlite_db: Database, tmp_path: Path) -> Database:
    import_path(sqlite_db, write_wide_course(tmp_path / "wide"))
    return sqlite_db


class Chat:
    """Drives `Tutor.handle` as one learner would, like errbot's test backend."""

    def __init__(self, tutor: Tutor, user: str = "u1", name: str = "Ann",
                 language: str = "") -> None:
        self.tutor = tutor
        self.identity = Identity("test", user)
        self.name = name
        self.language = language  # what their app reports ("zh-CN"), as a platform sends it
        self.last: list[Reply] = []

    def say(self, text: str) -> list[Reply]:
        event = Inbound.from_text(self.identity, "chat", text, display_name=self.name,
                                  language=self.language)
        self.last = self.tutor.handle(event)
        return self.last

    def press(self, data: str) -> list[Reply]:
        """A button press, given as the button's wire form (`ans:12:0`)."""
        event = Inbound(self.identity, "chat", action=decode(data), display_name=self.name,
                        language=self.language)
        self.last = self.tutor.handle(event)
        return self.last

    def text(self) -> str:
        return "\n".join(getattr(r, "text", "") or getattr(r, "prompt", "") for r in self.last)

    def actions(self) -> list[str]:
        return [encode(b.action) for r in self.last for row in getattr(r, "buttons", ())
                for b in row]


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real bundled model, loaded once for the whole run."""
    model = SentenceTransformerEmbedder()
    model.embed(["warm up"])
    return model


class CountingEmbedder:
    """The real embedder, counting what it is asked to embed."""

    def __init__(self, inner: SentenceTransformerEmbedder, name: str | None = None) -> None:
        self._inner = inner
        self._name = name
        self.embedded: list[str] = []

    @property
    def name(self) -> str:
        return self._name or self._inner.name

    @property
    def dim(self) -> int:
        return self._inner.dim

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> Vectors:
        self.embedded.extend(texts)
        return self._inner.embed(texts)

    def count_tokens(self, text: str) -> int:
        return self._inner.count_tokens(text)


@pytest.fixture(scope="session")
def bundled_index_dir(tmp_path_factory: pytest.TempPathFactory,
                      embedder: SentenceTransformerEmbedder) -> Path:
    """The bundled courses indexed once; tests open it read-only."""
    from retrieval import SearchIndex
    from tutor.knowledge import CourseSearch

    folder = tmp_path_factory.mktemp("bundled-index")
    db = Database(f"sqlite:///{folder / 'build.db'}")
    for path in bundled_course_paths():
        import_path(db, path)
    CourseSearch(db, SearchIndex(folder / "index", embedder)).sync()
    db.dispose()
    return folder / "index"


@pytest.fixture
def course_search(bundled_db: Database, bundled_index_dir: Path,
                  embedder: SentenceTransformerEmbedder) -> CourseSearch:
    from retrieval import SearchIndex
    from tutor.knowledge import CourseSearch

    search = CourseSearch(bundled_db, SearchIndex(bundled_index_dir, embedder))
    assert search.is_current()
    return search
