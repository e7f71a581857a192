"""Search latency on a realistic amount of content: p50/p95 of one- and two-word queries, with and without filters.

Builds its own temporary database (SQLite by default, or BENCH_DATABASE_URL,
e.g. the throwaway server of scripts/with-postgres.sh) with 100,000 posts in
18 rooms (6 categories x English, French, Spanish), words drawn from a
Zipf-like vocabulary per language so that queries range from rare to very
common words; indexes it with the same code as `flask forum reindex` (timed
too); then runs each kind of query against forum.search.service.search as a
delegate, the full work of a results page but the HTML, and prints the
percentiles (and writes them as JSON under bench/results/).

    .venv/bin/python bench/search.py
    scripts/with-postgres.sh sh -c 'BENCH_DATABASE_URL=$TEST_DATABASE_URL .venv/bin/python bench/search.py'
    BENCH_POSTS=20000 BENCH_REPEAT=50 .venv/bin/python bench/search.py
    BENCH_DATABASE_URL=sqlite:////tmp/b.db BENCH_REUSE=1 .venv/bin/python bench/search.py  # fill once, rerun

With BENCH_REUSE=1 and a database that already holds the posts, filling and indexing are skipped.

Only local work; every loop is bounded in count.
"""

import itertools
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import analyze, empty_schema, make_app, percentile, reusable, write_results  # noqa: E402

POSTS = int(os.environ.get("BENCH_POSTS", 100_000))
POSTS_PER_THREAD = 20
REPEAT = int(os.environ.get("BENCH_REPEAT", 100))
SEED = 2026

# Words people search for, per language, in the order of how often they are written.
DOMAIN = {
    "en": "intellectual property patent trademark copyright license university audit evaluation indicators "
    "franchise agreement technology transfer office innovation policy training capacity development "
    "assistance project national strategy enforcement examination office database research results "
    "cooperation regional network experience lessons learned survey report",
    "fr": "propriété intellectuelle brevet marque droit auteur licence université audit évaluation indicateurs "
    "franchise accord transfert technologie bureau innovation politique formation capacités développement "
    "assistance projet stratégie nationale application examen office base données recherche résultats "
    "coopération régionale réseau expérience enseignements enquête rapport",
    "es": "propiedad intelectual patente marca derecho autor licencia universidad auditoría evaluación indicadores "
    "franquicia acuerdo transferencia tecnología oficina innovación política formación capacidad desarrollo "
    "asistencia proyecto estrategia nacional observancia examen oficina base datos investigación resultados "
    "cooperación regional red experiencia lecciones encuesta informe",
}
FILLER = {
    "en": [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "with",
        "on",
        "as",
        "by",
        "we",
        "our",
        "this",
        "have",
        "from",
        "it",
        "are",
        "was",
        "be",
    ],
    "fr": [
        "le",
        "la",
        "les",
        "de",
        "des",
        "du",
        "et",
        "à",
        "en",
        "un",
        "une",
        "pour",
        "que",
        "qui",
        "dans",
        "sur",
        "par",
        "nous",
        "avec",
        "est",
        "sont",
    ],
    "es": [
        "el",
        "la",
        "los",
        "las",
        "de",
        "del",
        "y",
        "a",
        "en",
        "un",
        "una",
        "para",
        "que",
        "con",
        "por",
        "nuestro",
        "se",
        "es",
        "son",
        "fue",
        "como",
    ],
}
QUERIES = {
    "one word, common": ["evaluation", "université", "patente", "office", "project"],
    "one word, rare": ["franchise", "enquête", "lecciones", "survey", "réseau"],
    "two words": ["evaluation indicators", "propriété intellectuelle", "transferencia tecnología", "patent office"],
    "prefix and phrase": ['"technology transfer"', "indicat*", '"propriété intellectuelle"', "-patent audit"],
}


def _vocabulary(code, rng):
    domain = DOMAIN[code].split()
    # Synthetic rarer words, so the index has a realistic long tail.
    tail = [f"{rng.choice(domain)[:5]}{''.join(rng.choices('aeiourstln', k=5))}" for _ in range(4000)]
    return domain + tail


_CUMULATIVE = {}


def _sentence(code, vocabulary, rng, words=60):
    cumulative = _CUMULATIVE.get(code)
    if cumulative is None:
        # Zipf: the n-th word is written 1/n as often as the first.
        cumulative = _CUMULATIVE[code] = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    chosen = rng.choices(vocabulary, cum_weights=cumulative, k=words // 2)
    filler = rng.choices(FILLER[code], k=words - len(chosen))
    mixed = chosen + filler
    rng.shuffle(mixed)
    return " ".join(mixed).capitalize() + "."


def fill(db, rng):
    from forum.accounts.models import Role, User
    from forum.members.models import MemberState
    from forum.rooms.models import Room
    from forum.threads.models import Post, Thread

    states = db.session.scalars(select(MemberState).limit(30)).all()
    users = [
        User(email=f"bench{i}@forum.test", display_name=f"Bench {i}", role=Role.delegate,
             member_state_id=states[i % len(states)].id, activated_at=datetime.now(UTC))
        for i in range(60)
    ]  # fmt: skip
    db.session.add_all(users)
    db.session.flush()
    rooms = db.session.scalars(select(Room).where(Room.language_code.in_(("en", "fr", "es")))).all()
    vocabularies = {code: _vocabulary(code, rng) for code in ("en", "fr", "es")}
    start = datetime(2024, 1, 1, tzinfo=UTC)
    threads_needed = POSTS // POSTS_PER_THREAD
    for index in range(threads_needed):
        room = rooms[index % len(rooms)]
        code = room.language_code
        created = start + timedelta(hours=index)
        thread_id = db.session.execute(
            insert(Thread).returning(Thread.id),
            {"room_id": room.id, "title": _sentence(code, vocabularies[code], rng, 6)[:-1],
             "author_id": users[index % 60].id, "created_at": created, "last_post_at": created,
             "post_count": POSTS_PER_THREAD, "kind": "member", "locked": False, "pinned": False},
        ).scalar_one()  # fmt: skip
        db.session.execute(
            insert(Post),
            [
                {"thread_id": thread_id, "number": number, "author_id": users[(index + number) % 60].id,
                 "source": (body := _sentence(code, vocabularies[code], rng)), "html": f"<p>{body}</p>",
                 "created_at": created + timedelta(minutes=number), "state": "visible"}
                for number in range(1, POSTS_PER_THREAD + 1)
            ],
        )  # fmt: skip
        if index % 200 == 0:
            db.session.commit()
    db.session.commit()
    return users[0]


def measure(service, reader, query, filters, server_cpu):
    """Wall time, this process's CPU time and the database server's CPU time of one search, in ms; its total.

    On a loaded machine the wall time includes waiting for a core; the CPU
    times do not (for SQLite this process's is all the work; for PostgreSQL
    it is the client's share, and the server's is that of its backend).
    """
    started, cpu_started, server_started = time.perf_counter(), time.process_time(), server_cpu()
    results = service.search(query, user=reader, filters=filters)
    elapsed = (time.perf_counter() - started) * 1000
    server = server_cpu() - server_started
    return elapsed, (time.process_time() - cpu_started) * 1000, server, results.total


def _server_cpu(db):
    """A function returning the CPU time (ms) of this session's PostgreSQL backend so far, when it runs on this
    machine and /proc shows it (schedstat: nanoseconds on a CPU); otherwise one returning 0."""
    if db.engine.dialect.name != "postgresql":
        return lambda: 0.0
    path = Path(f"/proc/{db.session.scalar(text('SELECT pg_backend_pid()'))}/schedstat")
    if not path.exists():
        return lambda: 0.0
    return lambda: int(path.read_text().split()[0]) / 1e6


def main():
    from forum.extensions import db
    from forum.rooms.models import Category
    from forum.search import index, service

    app = make_app("search-bench-")
    rng = random.Random(SEED)
    with app.app_context():
        dialect = db.engine.dialect.name
        if reusable(db, POSTS):
            print(f"{dialect}: reusing the posts already there", flush=True)
            _settle(db)
            _run(db, service, Category, dialect, {"database": dialect, "posts": POSTS, "repeat": REPEAT})
            return
        empty_schema(db)
        started = time.perf_counter()
        fill(db, rng)
        print(f"{dialect}: {POSTS} posts written in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        indexed = sum(index.reindex_batches(db.session))
        index_seconds = time.perf_counter() - started
        print(f"indexed {indexed} texts in {index_seconds:.0f} s ({indexed / index_seconds:.0f}/s)", flush=True)
        db.session.commit()
        _settle(db)
        report = {"database": dialect, "posts": POSTS, "repeat": REPEAT, "index_seconds": round(index_seconds, 1)}
        _run(db, service, Category, dialect, report)


def _settle(db):
    """Planner statistics (and VACUUM on PostgreSQL), then one connection from here on: the server's CPU
    time is read from its backend (_server_cpu)."""
    analyze(db)
    db.engine.dispose()


def _run(db, service, Category, dialect, report):
    from forum.accounts.models import User

    reader = db.session.scalar(select(User).where(User.email == "bench0@forum.test"))
    category = db.session.scalar(select(Category.id).where(Category.code == "capacity"))
    filter_sets = {
        "no filter": service.Filters(),
        "category + language": service.Filters(category_id=category, language_code="fr"),
        "member state, by date": service.Filters(member_state_id=reader.member_state_id, sort=service.NEWEST),
    }
    server_cpu = _server_cpu(db)
    print(
        f"{'query kind':22} {'filters':24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'cpu p50':>8} {'cpu p95':>8} {'srv p50':>8} {'srv p95':>8} {'matches':>9}"
    )
    for kind, queries in QUERIES.items():
        for filter_name, filters in filter_sets.items():
            timings, cpu, server, matches = [], [], [], []
            for round_number in range(REPEAT):
                query = queries[round_number % len(queries)]
                elapsed, cpu_ms, server_ms, total = measure(service, reader, query, filters, server_cpu)
                cpu.append(cpu_ms)
                server.append(server_ms)
                db.session.rollback()
                # A request loads its reader before any page work (and so begins its transaction): reloaded here,
                # outside the timing, after the rollback expired it.
                db.session.refresh(reader)
                timings.append(elapsed)
                matches.append(total)
            timings.sort()
            cpu.sort()
            server.sort()
            cpu50, cpu95 = statistics.median(cpu), percentile(cpu, 0.95)
            server50, server95 = statistics.median(server), percentile(server, 0.95)
            p50 = statistics.median(timings)
            p95 = percentile(timings, 0.95)
            report[f"{kind} / {filter_name}"] = {
                "p50_ms": round(p50, 1),
                "p95_ms": round(p95, 1),
                "cpu_p50_ms": round(cpu50, 1),
                "cpu_p95_ms": round(cpu95, 1),
                "server_cpu_p50_ms": round(server50, 1),
                "server_cpu_p95_ms": round(server95, 1),
            }
            print(
                f"{kind:22} {filter_name:24} {p50:8.1f} {p95:8.1f} {timings[-1]:8.1f} {cpu50:8.1f} {cpu95:8.1f} "
                f"{server50:8.1f} {server95:8.1f} "
                f"{int(statistics.mean(matches)):9d}",
                flush=True,
            )
    write_results("search", dialect, report)


if __name__ == "__main__":
    main()
