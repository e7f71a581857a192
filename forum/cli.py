"""`flask forum …` commands: they call the same services as the web pages."""

import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from forum import clock, policy
from forum.extensions import db

forum_cli = AppGroup("forum", help="Forum administration commands.")

DEMO_PASSWORD = "forum-demo-2026"
DEMO_ACCOUNTS = (
    # e-mail, display name, role, member state, moderated languages
    ("admin@forum.test", "Ada Administrator", "admin", None, ()),
    ("moderator@forum.test", "Moana Moderator", "moderator", None, ()),
    ("langmod@forum.test", "Léa Modératrice", "language_moderator", None, ("fr",)),
    ("expert@forum.test", "Sam Secretariat", "staff", None, ()),
    ("delegate.fr@forum.test", "Camille Dupont", "delegate", "FRA", ()),
    ("delegate.br@forum.test", "João Silva", "delegate", "BRA", ()),
    ("delegate.ke@forum.test", "Wanjiru Kamau", "delegate", "KEN", ()),
    ("delegate.jp@forum.test", "Haruto Sato", "delegate", "JPN", ()),
    ("delegate.pl@forum.test", "Zofia Nowak", "delegate", "POL", ()),
    ("delegate.mx@forum.test", "María Hernández", "delegate", "MEX", ()),
)

# Interface languages of demo accounts (the rest: English), so the console shows e-mails in each one's language.
DEMO_LOCALES = {"delegate.fr@forum.test": "fr", "langmod@forum.test": "fr", "delegate.mx@forum.test": "es"}

# Has not accepted the usage protocol yet, so the demo shows what happens before a first post.
DEMO_ACCOUNTS_WITHOUT_PROTOCOL = {"delegate.pl@forum.test"}
# Demo staff must use a second factor like real staff: they are enrolled with
# this authenticator key (any TOTP app, or `flask forum demo-code EMAIL`).
DEMO_TOTP_SECRET = "CDIPFORUMDEMOKEYCDIPFORUMDEMOKEY"


def seed_reference_data():
    """Member states, languages, categories and rooms (idempotent); safe in production."""
    from forum.members.service import seed_member_states
    from forum.protocol.service import seed_first_version
    from forum.rooms.service import seed_languages_and_categories

    seed_member_states()
    seed_languages_and_categories()
    seed_first_version()


def seed_demo_data():
    """Reference data plus the demo accounts and a few conversations; returns True if anything was added."""
    from forum.accounts.models import Role, User
    from forum.accounts.passwords import hash_password
    from forum.accounts.service import find_user_by_email
    from forum.members.models import MemberState
    from forum.protocol.service import accept_current
    from forum.rooms.models import Language
    from forum.twofactor.service import enrol_demo_factor

    seed_reference_data()
    added = False
    password_hash = None
    for email, name, role, state_code, languages in DEMO_ACCOUNTS:
        if find_user_by_email(email) is not None:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        state = db.session.scalar(select(MemberState).where(MemberState.code == state_code)) if state_code else None
        user = User(
            email=email,
            display_name=name,
            role=Role(role),
            member_state_id=state.id if state else None,
            password_hash=password_hash,
            activated_at=clock.now(),
            created_at=clock.now(),
            locale=DEMO_LOCALES.get(email),
        )
        user.moderated_languages = [db.session.get(Language, code) for code in languages]
        db.session.add(user)
        db.session.flush()
        if email not in DEMO_ACCOUNTS_WITHOUT_PROTOCOL:
            accept_current(user)
        if policy.is_second_factor_required(user):
            enrol_demo_factor(user, DEMO_TOTP_SECRET)
        added = True
    db.session.flush()
    if added:
        _seed_demo_threads()
        _seed_demo_topics()
    return added


def _seed_demo_topics():
    """This week's discussion in English, French and Spanish, and a proposal endorsed by two regions."""
    from datetime import datetime

    from forum.accounts.service import find_user_by_email
    from forum.discussions import service as discussions
    from forum.proposals import service as proposals
    from forum.rooms.models import Category

    moderator = find_user_by_email("moderator@forum.test")
    category = db.session.scalar(select(Category).where(Category.code == "capacity"))
    now = clock.now()
    # The current week's slot: Monday 09:00 Geneva time, for seven days.
    local = now.astimezone(discussions.GENEVA)
    monday = datetime.combine(
        local.date() - timedelta(days=local.weekday()), discussions.DEFAULT_OPENING_TIME, tzinfo=discussions.GENEVA
    )
    if monday > local:
        monday -= timedelta(days=7)
    texts = {
        "en": discussions.TextInput(
            "Measuring the impact of technical assistance",
            "This week: how do you **measure** whether technical assistance made a difference?\n\n"
            "- Which indicators did you agree with the Secretariat?\n- How long after the activity did you evaluate?",
        ),
        "fr": discussions.TextInput(
            "Mesurer l'impact de l'assistance technique",
            "Cette semaine : comment **mesurez**-vous les effets de l'assistance technique ?\n\n"
            "- Quels indicateurs avez-vous retenus avec le Secrétariat ?\n"
            "- Combien de temps après l'activité avez-vous évalué ?",
        ),
        "es": discussions.TextInput(
            "Medir el impacto de la asistencia técnica",
            "Esta semana: ¿cómo **miden** si la asistencia técnica marcó una diferencia?\n\n"
            "- ¿Qué indicadores acordaron con la Secretaría?\n- ¿Cuánto tiempo después de la actividad evaluaron?",
        ),
    }
    opening = now.replace(second=0, microsecond=0)
    discussion = discussions.schedule_discussion(
        by=moderator,
        category_id=category.id,
        texts=texts,
        opens_at=opening,
        closes_at=monday + timedelta(days=7),
    )
    # Demo only: back-date it to this week's Monday, which the service refuses for new discussions.
    discussions._set_times(
        discussion, monday.astimezone(now.tzinfo), (monday + timedelta(days=7)).astimezone(now.tzinfo)
    )

    kenya = find_user_by_email("delegate.ke@forum.test")
    legislative = db.session.scalar(select(Category).where(Category.code == "legislative"))
    proposal = proposals.propose_topic(
        by=kenya,
        title="Drafting IP laws that support small farmers and traditional knowledge",
        description="Several offices are revising their laws. How did you consult **local communities** "
        "and which provisions worked?",
        category_id=legislative.id,
        aims="Share drafting experience and consultation methods.",
        audience="Legislative drafters and IP office policy staff",
        languages=["en", "fr", "es"],
    )
    for email in ("delegate.br@forum.test", "delegate.jp@forum.test"):
        proposals.endorse(proposal, by=find_user_by_email(email))
    db.session.flush()


def _seed_demo_threads():
    from forum.accounts.service import find_user_by_email
    from forum.rooms.service import get_room
    from forum.threads import service as threads_service

    fr = find_user_by_email("delegate.fr@forum.test")
    br = find_user_by_email("delegate.br@forum.test")
    ke = find_user_by_email("delegate.ke@forum.test")
    mx = find_user_by_email("delegate.mx@forum.test")
    thread = threads_service.start_thread(
        get_room("capacity-en"),
        author=ke,
        title="Training patent examiners: what worked for you?",
        body="Our office is planning a two-year programme for new examiners. "
        "Which **formats** worked best in your experience:\n\n- mentoring\n- e-learning\n- regional workshops\n\n"
        "Any evaluation results would be very welcome.",
    )
    threads_service.reply(
        thread,
        author=br,
        body="We combined e-learning with six months of mentoring; retention improved markedly. "
        "Happy to share our evaluation report.",
    )
    thread = threads_service.start_thread(
        get_room("strategies-fr"),
        author=fr,
        title="Évaluer une stratégie nationale de PI après cinq ans",
        body="Quels **indicateurs** avez-vous retenus pour évaluer votre stratégie nationale "
        "de propriété intellectuelle ?",
    )
    thread = threads_service.start_thread(
        get_room("legislative-es"),
        author=mx,
        title="Flexibilidades en la legislación de patentes",
        body="¿Qué experiencias tienen con la incorporación de **flexibilidades** en la legislación nacional?",
    )
    db.session.flush()


@forum_cli.command("seed-demo")
def seed_demo_command():
    """Load the demo data (development only; idempotent)."""
    if not current_app.config.get("DEMO_DATA_ALLOWED"):
        click.echo("Refusing to load demo data in this configuration.", err=True)
        sys.exit(1)
    added = seed_demo_data()
    db.session.commit()
    click.echo("Demo data loaded." if added else "Demo data already present.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, _name, role, state, _languages in DEMO_ACCOUNTS:
        click.echo(f"  {email:28} {role}{' (' + state + ')' if state else ''}")
    click.echo(f"Staff accounts sign in with a second factor: authenticator key {DEMO_TOTP_SECRET},")
    click.echo("or print the current code with `make demo-code EMAIL=moderator@forum.test`.")


@forum_cli.command("demo-code")
@click.argument("email")
def demo_code_command(email):
    """Print the current second-factor code of a demo staff account (development only)."""
    from forum.accounts.service import find_user_by_email
    from forum.twofactor.service import current_demo_code

    if not current_app.config.get("DEMO_DATA_ALLOWED"):
        click.echo("Refusing: demo codes exist only with demo data.", err=True)
        sys.exit(1)
    user = find_user_by_email(email)
    code = current_demo_code(user) if user is not None else None
    if code is None:
        click.echo(f"{email} has no demo second factor.", err=True)
        sys.exit(1)
    click.echo(code)


@forum_cli.command("seed")
def seed_command():
    """Load the reference data only (member states, languages, categories, rooms)."""
    seed_reference_data()
    db.session.commit()
    click.echo("Reference data is in place.")


@forum_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt="Display name")
@click.password_option()
def create_admin_command(email, name, password):
    """Create an administrator account with a password."""
    from forum.accounts.service import create_admin
    from forum.errors import Invalid

    seed_reference_data()
    try:
        create_admin(email, name, password)
    except Invalid as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Administrator {email} created.")


@forum_cli.command("import-delegates")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--by", "by_email", default=None, help="E-mail of the administrator recorded in the audit trail.")
def import_delegates_command(csv_file, by_email):
    """Create accounts from a CSV file (email, display_name, member_state, role, language); all or nothing."""
    from forum.accounts.service import ImportRejected, find_user_by_email, import_delegates

    by = find_user_by_email(by_email) if by_email else None
    try:
        created = import_delegates(csv_file.read(), by=by)
    except ImportRejected as rejected:
        db.session.rollback()
        for line, message in rejected.errors:
            click.echo(f"line {line}: {message}", err=True)
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Accounts created: {len(created)}; activation links queued.")


@forum_cli.command("add-language")
@click.argument("code")
def add_language_command(code):
    """Add a content language and create its rooms."""
    from forum.errors import Invalid
    from forum.rooms.service import add_language

    try:
        language = add_language(code, by=None)
    except Invalid as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Language {language.code} ({language.native_name}) is active with its rooms.")


@forum_cli.command("add-category")
@click.argument("code")
@click.argument("name")
@click.option("--description", default="", help="One-line description in English.")
def add_category_command(code, name, description):
    """Add a category (English name) and create its room in every language."""
    from forum.errors import Invalid
    from forum.rooms.service import add_category

    try:
        category = add_category(code, by=None, name=name, description=description)
    except Invalid as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Category {category.code} added with {len(category.rooms)} rooms.")


@forum_cli.command("tick")
def tick_command():
    """Run the periodic work once (forum.periodic: announcements, expiries, e-mail, clean-up); safe to repeat."""
    from forum.periodic import run_periodic_work

    summary = run_periodic_work(clock.now())
    click.echo(str(summary))
    sys.exit(1 if summary.errors else 0)


@forum_cli.command("worker")
@click.option("--interval", type=click.FloatRange(min=0), default=30, show_default=True, help="Seconds between runs.")
@click.option("--max-runs", type=click.IntRange(min=1), default=None, help="Stop after this many runs.")
def worker_command(interval, max_runs):
    """Run the periodic work every INTERVAL seconds until SIGTERM or Ctrl-C; prints a line per run that did work."""
    from forum.periodic import run_worker

    def report(summary):
        if summary:
            click.echo(f"{clock.now():%Y-%m-%d %H:%M:%S} {summary}")

    click.echo(f"Periodic work every {interval:g} seconds (Ctrl-C to stop).")
    runs = run_worker(interval, max_runs=max_runs, report=report)
    click.echo(f"Worker stopped after {runs} runs.")


def deployment_problems(config):
    """What is unsafe in `config` for serving real users: (severity, message) pairs, severity "unsafe" or "warning"."""
    from config import KNOWN_SECRET_KEYS

    problems = []
    key = config.get("SECRET_KEY")
    if not key or key in KNOWN_SECRET_KEYS:
        problems.append(("unsafe", "SECRET_KEY is missing or a published default: anyone could forge sessions."))
    elif len(str(key)) < 32:
        problems.append(("unsafe", "SECRET_KEY is shorter than 32 characters; use a long random value."))
    single = bool(config.get("FORUM_SINGLE_PROCESS"))
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://") and not single:
        problems.append(
            (
                "unsafe",
                "RATELIMIT_STORAGE_URI is memory://: each worker counts alone, multiplying every "
                "limit; use redis://… (or set FORUM_SINGLE_PROCESS=1 for exactly one process).",
            )
        )
    if not config.get("RATELIMIT_ENABLED", True):
        problems.append(("unsafe", "RATELIMIT_ENABLED is off: password guessing is not slowed down."))
    base_url = str(config.get("FORUM_BASE_URL") or "")
    hops = int(config.get("FORUM_PROXY_HOPS") or 0)
    if not base_url.startswith("https://"):
        problems.append(
            ("unsafe", f"FORUM_BASE_URL is not https ({base_url}): links in e-mails and cookies travel in clear.")
        )
    elif hops == 0:
        problems.append(
            (
                "warning",
                "FORUM_PROXY_HOPS is 0 while FORUM_BASE_URL is https: behind a reverse proxy, "
                "every client has the proxy's address and shares its login limits; set it to "
                "the number of proxies (usually 1).",
            )
        )
    database = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if database.startswith("sqlite") and not single:
        problems.append(
            (
                "unsafe",
                "DATABASE_URL is SQLite but FORUM_SINGLE_PROCESS is not set: several app servers "
                "need PostgreSQL (or declare one process with FORUM_SINGLE_PROCESS=1).",
            )
        )
    if config.get("MAIL_BACKEND") == "console" and config.get("FORUM_PRODUCTION"):
        problems.append(("unsafe", "MAIL_BACKEND is console in production: e-mails are printed, not sent."))
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append(("unsafe", "SESSION_COOKIE_SECURE is off: the session cookie may travel over plain HTTP."))
    return problems


@forum_cli.command("check-deployment")
def check_deployment_command():
    """Print what is unsafe in this configuration for production; exit 1 if anything is."""
    problems = deployment_problems(current_app.config)
    for severity, message in problems:
        click.echo(f"{severity.upper()}: {message}")
    if any(severity == "unsafe" for severity, _message in problems):
        click.echo("Not ready for production: fix the lines marked UNSAFE.", err=True)
        sys.exit(1)
    click.echo(
        "OK: nothing unsafe found in this configuration."
        if not problems
        else "OK: nothing unsafe found; read the warnings above."
    )


@forum_cli.command("reindex")
@click.option("--batch", default=500, show_default=True, help="Posts per transaction.")
def reindex_command(batch):
    """Rebuild the search index from the posts, summaries and proposals (safe while the forum serves)."""
    from forum.search import index

    total = index.items_to_index(db.session)
    db.session.commit()
    with click.progressbar(length=total, label="Reindexing", file=sys.stderr) as bar:
        for done in index.reindex_batches(db.session, batch=max(batch, 1)):
            bar.update(done)
    click.echo(f"Indexed {total} texts.")


# Backups (forum.backup) -------------------------------------------------------------------------


class _ProgressBars:
    """Shows a bar on stderr for each long step (a long table, many pages); short ones pass silently."""

    def __init__(self, threshold):
        self.threshold = threshold
        self.label = None
        self.bar = None
        self.shown = 0

    def __call__(self, label, done, total):
        if total < self.threshold:
            return
        if label != self.label:
            self.close()
            self.label = label
            self.bar = click.progressbar(length=total, label=label, file=sys.stderr)
            self.bar.__enter__()
            self.shown = 0
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
            self.label = None


def _run_backup_step(step):
    """Run a forum.backup step with progress bars; a refusal becomes a clear message and exit status 1."""
    from forum.backup.manifest import LONG_TABLE, BackupError

    progress = _ProgressBars(LONG_TABLE)
    try:
        return step(progress)
    except BackupError as error:
        progress.close()
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    finally:
        progress.close()


def _report_tables(comparison):
    """One line per table ("posts: 3,870 rows ✓"); True if every table is equal."""
    for name, expected, actual, equal in comparison:
        if equal:
            click.echo(f"{name}: {actual['rows']:,} rows ✓")
        elif actual is None:
            click.echo(f"{name}: MISSING (the backup has {expected['rows']:,} rows) ✗")
        elif expected is None:
            click.echo(f"{name}: {actual['rows']:,} rows, but the backup has no such table ✗")
        elif expected["rows"] != actual["rows"]:
            click.echo(f"{name}: {actual['rows']:,} rows, the backup has {expected['rows']:,} ✗")
        else:
            click.echo(f"{name}: {actual['rows']:,} rows, but their content differs from the backup ✗")
    return all(line[3] for line in comparison)


def _describe_manifest(manifest):
    click.echo(
        f"Backup of {manifest['backend']} taken {manifest.get('created_at')} by forum {manifest.get('forum_version')}"
        f", schema revision {manifest.get('schema_revision') or 'unknown'}; "
        f"{manifest['dump']['file']} matches its SHA-256."
    )


@forum_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=True, file_okay=False))
def backup_command(path):
    """Write a consistent backup to the new directory PATH while the forum keeps serving.

    SQLite: a copy made with the online backup API. PostgreSQL: pg_dump -Fc (the server's major
    version) from an exported snapshot. Beside it, manifest.json: schema revision, forum version,
    creation time, the dump's SHA-256, and a row count and content hash for every table.
    """
    from forum.backup.service import take_backup

    db.session.remove()
    manifest = _run_backup_step(lambda progress: take_backup(path, engine=db.engine, progress=progress))
    rows = sum(entry["rows"] for entry in manifest["tables"].values())
    click.echo(f"Backup written to {path}: {len(manifest['tables'])} tables, {rows:,} rows ({manifest['backend']}).")


@forum_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--replace", is_flag=True, help="Overwrite a database that already has rows.")
def restore_command(path, replace):
    """Restore the backup in PATH into the configured database, then prove every table equal.

    The dump is checked against its manifest before anything is touched; a database with rows is
    refused unless --replace is given. Stop the forum (web and worker) before restoring. Exits with
    status 1 if any table's row count or content hash differs from the manifest.
    """
    from forum.backup.service import restore_backup

    db.session.remove()
    manifest, comparison = _run_backup_step(
        lambda progress: restore_backup(path, engine=db.engine, replace=replace, progress=progress)
    )
    _describe_manifest(manifest)
    if not _report_tables(comparison):
        click.echo("Restore FAILED: the tables marked ✗ differ from the backup.", err=True)
        sys.exit(1)
    click.echo(f"Restored: all {len(comparison)} tables equal the backup.")


@forum_cli.command("verify-backup")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
def verify_backup_command(path):
    """Check the backup in PATH without restoring it.

    Always: manifest.json is well-formed and the dump's size and SHA-256 match it. SQLite: the copy
    is also opened read-only and every table's row count and content hash recomputed. PostgreSQL:
    `pg_restore --list` must read the archive (table contents are proven only by a restore).
    """
    from forum.backup.service import verify_backup

    manifest, comparison = _run_backup_step(lambda progress: verify_backup(path, progress=progress))
    _describe_manifest(manifest)
    if comparison is None:
        click.echo("pg_restore --list reads the archive. The backup is intact (restore it to compare tables).")
        return
    if not _report_tables(comparison):
        click.echo("The backup is DAMAGED: the tables marked ✗ differ from its manifest.", err=True)
        sys.exit(1)
    click.echo(f"The backup is intact: all {len(comparison)} tables match the manifest.")


@forum_cli.command("stats-report")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (YYYY-MM-DD).")
@click.option("--format", "kind", type=click.Choice(["csv", "pdf"]), default="pdf", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True, help="File to write.")
@click.option("--locale", default="en", show_default=True, help="Language of the labels and member-state names.")
def stats_report_command(first, last, kind, output, locale):
    """Write the usage statistics of a period (forum.stats) as CSV or PDF, for the Secretariat's documents."""
    from forum.errors import Invalid
    from forum.stats.cli import write_report

    try:
        size = write_report(
            first.date(), last.date(), kind, output, locale, echo=lambda text: click.echo(text, err=True)
        )
    except Invalid as error:
        raise click.UsageError(str(error)) from error
    click.echo(f"Wrote {output} ({size} bytes).")
