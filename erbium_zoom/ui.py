"""The Streamlit glue: the only module of the package that imports streamlit.

Pages call these helpers to find the connection in use, get a client for it, load data through a
per-session cache keyed by the account, and show errors. Everything shown comes from the pure
core; every error is put into words by :func:`erbium_zoom.errors.user_message` and nowhere else.

Session-state keys used here start with ``conn_`` (connection, plan), ``cache_`` (loaded data),
``demo_`` or ``url_`` (the address); pages use their own prefixes (``connection_``, ``events_``,
``registrants_``).

The address keeps the client, the hosts and each page's main choices (:mod:`erbium_zoom.urlstate`
names and checks them): a session opened by a link or a reload starts from them, and every run
puts the choices back. Streamlit keeps query parameters per page, so the sidebar and each page
put the client back on every run, and a page switch carries it along.

Speed and quota: a real account's clients share one rate limiter per account (its plan from
the sidebar), load independent things side by side, and keep finished reports in the SQLite file
of :mod:`erbium_zoom.store`; the demo account runs in-process, one call after another, and is
never written to disk.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import streamlit as st
from streamlit import config as st_config

from erbium_zoom import attendance, ratelimit, shared_limits, simulator, storage, store, urlstate
from erbium_zoom.access import Action, Deployment, Mode, Person, decide
from erbium_zoom.activity import ActivityLog
from erbium_zoom.attendance import AttendanceResult, EventRef
from erbium_zoom.check import CheckResult, check_with_client
from erbium_zoom.client import ZoomClient
from erbium_zoom.config import parse_hosts
from erbium_zoom.connection import (
    DEFAULT_DEMO_SCENARIO,
    DEMO_SCENARIOS,
    SOURCE_PROFILE,
    SOURCE_SESSION,
    Connection,
    account_limiter,
    build_client,
    demo_banner,
    guard_for,
    resolve_connection,
)
from erbium_zoom.errors import (
    AccessDenied,
    ConfigError,
    MissingScope,
    NoClientChosen,
    PlanRequired,
    ZoomError,
    user_message,
)
from erbium_zoom.guard import Guard
from erbium_zoom.listing import FATAL
from erbium_zoom.models import REGISTRANT_STATUSES as STATUSES
from erbium_zoom.models import EventKind, Registrant
from erbium_zoom.parallel import MAX_WORKERS, Outcome, run_ordered
from erbium_zoom.profiles import Profile, ProfileStore
from erbium_zoom.ratelimit import PLANS, Plan, RateLimiter
from erbium_zoom.secrets_file import (
    DEFAULT_ORIGIN,
    SECRETS_FILES_ENV,
    SecretsSource,
    read_secrets,
)
from erbium_zoom.views import Columns
from erbium_zoom.watch_command import dashboard_plan, watcher_in_use
from erbium_zoom.watch_demo import DemoWatcher
from erbium_zoom.watch_demo import demo_watcher as demo_watcher_for
from erbium_zoom.watch_history import WatchHistory

T = TypeVar("T")

DATA_TTL = 120.0  # seconds a loaded list stays fresh in this session

# Set by app.py's frame in each run, cleared by the page: tells a page whether the frame ran.
_frame = threading.local()
CONNECTION_PAGE = "pages/connection.py"


# ---- the connection in use ------------------------------------------------------------------


def profile_store() -> ProfileStore:
    """Saved profiles, and the [profiles] and [storage] tables of the secrets file Streamlit
    loaded (``st.secrets``, which honours its ``secrets.files`` option)."""
    secrets, _ = _secrets()  # a file that cannot be parsed is refused by the gate
    guard = Guard(session_person(), activity_log(), "", "")
    return ProfileStore(secrets=secrets or {}, guard=guard, secrets_source=_secrets_source())


def _secrets_source() -> SecretsSource:
    """The secrets files Streamlit reads (its ``secrets.files`` option), which of them exist,
    and what set the option: named in every message about sign-in, keys and profiles."""
    files = st.get_option("secrets.files") or []
    defined = st_config.get_where_defined("secrets.files")
    if defined == "default":
        origin = DEFAULT_ORIGIN
    elif os.environ.get(SECRETS_FILES_ENV, "").split() == list(files):
        origin = f"named by {SECRETS_FILES_ENV}"
    else:
        origin = f"named by Streamlit's secrets.files option ({defined})"
    return SecretsSource.at(files, origin)


def _secrets() -> tuple[dict | None, str]:
    """The secrets file(s) Streamlit loaded (its ``secrets.files`` option) as a dict, or None
    when there is none; and, when a file exists but cannot be read, the reason in words."""
    try:
        return st.secrets.to_dict(), ""
    except Exception as error:  # noqa: BLE001 - one FileNotFoundError subclass for every case
        said = str(error)
    # Streamlit raises the same error for "no file" and "cannot be parsed", and its words lack
    # the line and column: read the files again to tell the two apart and say where.
    source = _secrets_source()
    try:
        read_secrets(source.paths)
    except ConfigError as problem:
        return None, problem.message
    if not source.found or "No secrets found" in said:
        return None, ""
    return None, f"Streamlit cannot load {source.words}: {said[:400]}"


def _secrets_toml() -> dict | None:
    """The tables of the secrets file ([zoom] among them), or None."""
    secrets, _ = _secrets()
    if secrets is None:
        return None
    return {key: dict(value) for key, value in secrets.items() if isinstance(value, dict)}


# ---- who is here: sign-in, roles, and the refusals -----------------------------------------


def deployment() -> Deployment:
    """Sign-in, roles and exposure, decided by the core from the secrets file, the address
    Streamlit listens on (``server.address``) and the environment."""
    secrets, problem = _secrets()
    return decide(
        secrets,
        st.get_option("server.address"),
        os.environ,
        secrets_problem=problem,
        source=_secrets_source(),
        proxied=_forwarded(),
    )


FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def _forwarded() -> str:
    """Why this session's requests look forwarded by a reverse proxy ("" when they do not):
    behind one, a loopback address no longer means this machine only."""
    try:
        headers = st.context.headers
        found = [name for name in FORWARDING_HEADERS if headers.get(name)]
    except Exception:  # noqa: BLE001 - no request context (a bare script run): none
        return ""
    return f"its requests carry {found[0]}" if found else ""


def _user_info() -> dict:
    """Streamlit's identity for this browser (``st.user``), as a plain dict."""
    try:
        return dict(st.user)
    except Exception:  # noqa: BLE001 - no sign-in support installed: nobody is signed in
        return {}


def _presence() -> tuple[Deployment, Person | None]:
    """The deployment decided for this run, and the person using this session (None before
    sign-in; a role of None when refused: served exposed, misconfigured, or on no list)."""
    plan = deployment()
    return plan, plan.person(_user_info() if plan.sign_in else None)


def current_person() -> Person | None:
    """The person using this session (None before sign-in); their role may be None."""
    return _presence()[1]


def _allowed(person: Person | None) -> bool:
    return person is not None and person.role is not None


def session_person() -> Person:
    """The person for this run, or AccessDenied: every read and change is checked against it."""
    person = current_person()
    if person is None:
        raise AccessDenied(
            "Sign in first.", advice="Sign in with your company account, then try again."
        )
    if not _allowed(person):
        raise AccessDenied(
            f"{person.who} is not allowed here.",
            advice="Ask an admin of this dashboard to add you to the access lists.",
        )
    return person


def use_storage() -> None:
    """Point the storage layer at the database in the secrets file's ``[storage] url`` (or
    ERBIUM_ZOOM_DATABASE_URL; else the data folder): the record, the cache and Heavy counts."""
    secrets, _ = _secrets()
    storage.configure(secrets)


def activity_log() -> ActivityLog:
    use_storage()
    return ActivityLog()


def gate(url_paths: Sequence[str] = ()) -> Person | None:
    """The person when they may use the dashboard; otherwise None, after showing only the
    sign-in button, the refusal or "not allowed" (no sidebar, no client or demo data).

    ``url_paths``: the pages' paths, which show the same screen (a deep link then gets it
    without Streamlit's "page not found")."""
    plan, person = _presence()
    if _allowed(person):
        return person

    def welcome() -> None:
        _gate_screen(plan, person)

    screens = [st.Page(welcome, title="erbium-zoom", default=True)]
    screens += [st.Page(welcome, title="erbium-zoom", url_path=path) for path in url_paths if path]
    st.navigation(screens, position="hidden").run()
    return None


def _gate_screen(plan: Deployment, person: Person | None) -> None:
    st.title("erbium-zoom")
    if plan.mode in (Mode.EXPOSED, Mode.MISCONFIGURED):
        st.error(plan.problem, icon=":material/lock:")
        return
    if person is None:
        st.write("Sign in with your company account to use the dashboard.")
        if st.button("Sign in", type="primary"):
            st.login()
        return
    st.error(
        f"Signed in as **{person.who}**, not allowed here. Ask an admin of this dashboard "
        "to add you to the access lists.",
        icon=":material/block:",
    )
    recorded = st.session_state.setdefault("access_refusals", set())
    if person.who not in recorded:
        recorded.add(person.who)
        activity_log().refusal(person, "sign in", "Not on the access lists.")
    if st.button("Sign out"):
        st.logout()


def _profile_credentials(store: ProfileStore, profile: Profile):
    """The profile's credentials and where its secret was read from, the secret read from its
    store once per session."""
    secrets: dict = st.session_state.setdefault("conn_profile_secrets", {})
    key = (profile.name, profile.source, profile.secret_key)
    if key not in secrets:
        secrets[key] = (store.credentials(profile), store.secret_where(profile))
    return secrets[key]


def current_connection() -> Connection:
    """The connection for this session (order: entered → profile → environment → secrets.toml
    → demo). Raises ZoomError when the chosen source cannot be used (e.g. keyring refused)."""
    state = st.session_state
    hosts = None
    state["conn_hosts_error"] = None
    if state.get("conn_hosts_text"):
        try:
            hosts = parse_hosts(state["conn_hosts_text"])
        except ConfigError as error:  # shown next to the field; the configured hosts are used
            state["conn_hosts_error"] = user_message(error)
    profile = credentials = None
    secret_where = ""
    person = session_person()
    entered = state.get("conn_entered")
    missing = state.get("url_missing_client")
    if entered is not None:
        state.pop("url_missing_client", None)  # typed credentials are a choice too
    elif missing is not None:  # a link's client that is not here: never another in its place
        raise NoClientChosen(
            f"This link is for the client profile {urlstate.shown(missing)}, which is not on "
            "this dashboard: it may have been renamed or deleted, or the link comes from "
            "another dashboard.",
            missing=missing,
        )
    chosen = _chosen_profile()
    if entered is None and chosen:
        store = profile_store()
        profile = store.get(chosen)
        if profile is not None:
            credentials, secret_where = _profile_credentials(store, profile)
    try:
        connection, warnings = resolve_connection(
            entered,
            profile=profile,
            profile_credentials=credentials,
            profile_secret_where=secret_where,
            secrets=_secrets_toml(),
            demo_scenario=state.get("demo_scenario", DEFAULT_DEMO_SCENARIO),
            hosts=hosts,
            person=person,
            allow_demo=deployment().demo,
        )
    except AccessDenied as error:
        forget_entered_credentials()  # refused once; the page goes on with what is allowed
        activity_log().refusal(person, "check typed credentials", error.message)
        raise
    state["conn_warnings"] = warnings
    return connection


def _chosen_profile() -> str | None:
    """The client profile chosen in the sidebar, kept apart from the picker's own key, which
    Streamlit drops in a run without the sidebar (the choice then follows every page)."""
    state = st.session_state
    if "conn_profile" in state:
        state["conn_client"] = state["conn_profile"]
    return state.get("conn_client")


def demo_account(scenario: str) -> simulator.SimulatedZoom:
    """This session's simulated account for a scenario (demo changes stay in the session)."""
    accounts = st.session_state.setdefault("demo_accounts", {})
    if scenario not in accounts:
        # Anchored at this minute: the client judges "ended" and "not ready yet" by the real
        # clock, so the demo's live and just-ended events must be live and just ended now.
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        accounts[scenario] = simulator.SimulatedZoom(scenario, now=now)
    return accounts[scenario]


def zoom_client(connection: Connection) -> ZoomClient:
    """This session's client for the connection (one per account, reused across reruns)."""
    clients: dict = st.session_state.setdefault("conn_clients", {})
    client = clients.get(connection.cache_key)
    limiter = rate_limiter(connection)
    guard = guard_for(connection, session_person(), activity_log())
    if (
        client is None
        or client.credentials != connection.credentials
        or client.limiter is not limiter
        or client.guard != guard
    ):
        demo = demo_account(connection.demo_scenario) if connection.is_demo else None
        client = build_client(connection, demo, limiter=limiter, guard=guard)
        clients[connection.cache_key] = client
    return client


# ---- rate limits, quota and the report cache -------------------------------------------------


def current_plan() -> Plan:
    """The Zoom plan chosen in the sidebar (Pro unless Business is chosen)."""
    return PLANS.get(st.session_state.get("conn_plan") or "", ratelimit.DEFAULT_PLAN)


def _keep_plan() -> None:
    # Kept apart from the widget's own key, which Streamlit drops in a run without the sidebar.
    st.session_state["conn_plan"] = st.session_state["conn_plan_picker"]


def rate_limiter(connection: Connection) -> RateLimiter:
    """The account's limiter: shared by every session on a real account; per session (count
    only, no pacing) for the demo, whose simulated account has no limits."""
    plan = current_plan()
    if connection.is_demo:
        limiters: dict = st.session_state.setdefault("demo_limiters", {})
        limiter = limiters.get(connection.demo_scenario)
        if limiter is None:
            limiter = limiters[connection.demo_scenario] = RateLimiter(plan, throttle=False)
        limiter.set_plan(plan)
        return limiter
    redis_url = shared_redis_url()
    # Without Redis, a watcher in use gets its share of the allowance (watch_command).
    shared = redis_url is not None
    if not shared:
        use_storage()  # the watcher's runs are in the storage the secrets file names
    plan = dashboard_plan(plan, shared, watcher=not shared and _watcher_in_use())
    return account_limiter(connection, plan, redis_url)


@st.cache_data(ttl=60, show_spinner=False)
def _watcher_in_use() -> bool:
    """Whether a watcher ran lately, by the storage's record of its runs (read once a minute)."""
    try:
        runs = WatchHistory(storage.current()).runs(limit=1)
    except ZoomError:
        return True  # cannot tell: leave it its share, slower but never over Zoom's numbers
    return watcher_in_use(runs, datetime.now(UTC))


def shared_redis_url() -> str | None:
    """Redis for the shared rate limits ([limits] redis_url or ERBIUM_ZOOM_REDIS_URL), or None;
    a malformed URL is shown as a warning (``limits_config_problem``) and the page paces alone."""
    try:
        url = shared_limits.redis_url(_secrets_toml())
    except ZoomError as error:
        st.session_state["limits_config_problem"] = user_message(error)
        return None
    st.session_state["limits_config_problem"] = None
    return url


def show_limits_problem(connection: Connection) -> None:
    """A warning in words when Zoom's limits cannot be shared with the other processes now."""
    if connection.is_demo:
        return
    limiter = rate_limiter(connection)
    problem = st.session_state.get("limits_config_problem")
    if limiter.shared_problem is not None:
        problem = user_message(limiter.shared_problem)
    if problem:
        st.warning(problem, icon=":material/traffic:")


def parallel_workers(connection: Connection) -> int:
    """Calls to have in flight: several for real Zoom (round trips overlap), one for the demo,
    which answers in-process (nothing to overlap, and its order stays the same every time)."""
    return 1 if connection.is_demo else MAX_WORKERS


def heavy_usage_text(connection: Connection) -> str:
    """'Heavy calls today by this dashboard: N of 30,000 (Pro)' (by every process sharing the
    account's limits, with Redis), with what Zoom said if it did."""
    limiter = rate_limiter(connection)
    plan = limiter.plan
    quota = None
    if not connection.is_demo:
        use_storage()
        quota = store.quota_key(connection.credentials, connection.settings)
    spent, whose = store.heavy_today(limiter, quota)
    who, where = "by this dashboard", ""
    if whose == store.HEAVY_SHARED:  # Redis's count: every process on the account
        who = "by every dashboard and process sharing the account's limits in Redis"
    elif whose == store.HEAVY_PROCESS:
        where = " (this process: the cache file is off)"
    if connection.is_demo:
        where = " (demo: simulated account)"
    text = (
        f"Heavy calls today {who}: {spent:,} of {plan.heavy_daily:,} ({plan.name})"
        f"{where}. Both participant reports are Heavy calls; the daily cap is shared by every "
        "app on the client's account and resets at 00:00 UTC."
    )
    left = limiter.zoom_heavy_left()
    if left is not None:
        text += f" Zoom last said {left:,} are left today for the whole account."
    return text


def report_store(connection: Connection) -> store.AccountReports | None:
    """This account's part of the report cache; None for the demo, when the cache is off, or
    when the file is unusable (``cache_problem`` in the session says why)."""
    st.session_state["cache_problem"] = None
    if connection.is_demo or not store.cache_enabled():
        return None
    use_storage()
    try:
        opened = store.open_store()
    except store.StoreUnavailable as error:
        st.session_state["cache_problem"] = str(error)
        return None
    if opened.problem:
        st.session_state["cache_problem"] = opened.problem
    return opened.for_account(store.account_key(connection.credentials, connection.settings))


def report_cache_place() -> str:
    """Where the report cache is kept, in words (a database's password masked)."""
    use_storage()
    try:
        return storage.current().shown
    except ZoomError as error:  # a URL that cannot be used: said by report_store's warning
        return f"nowhere usable ({error.message})"


def clear_report_cache() -> int:
    """Forget every cached report (a damaged file is replaced); how many were removed."""
    use_storage()
    try:
        return store.open_store().clear()
    except store.StoreUnavailable:
        pass
    try:
        store.reset_store()  # a damaged file is moved aside; a database server is tried again
    except store.StoreUnavailable as error:  # still down: said, nothing else to do here
        st.session_state["cache_problem"] = str(error)
    return 0


def load_attendance(
    connection: Connection,
    client: ZoomClient,
    refs: Sequence[EventRef],
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
    *,
    refresh: bool = False,
    keep_reports: bool = True,
) -> list[AttendanceResult]:
    """The events' attendance, in order: from this session's memory, then the report cache on
    this computer, then Zoom (side by side for a real account). ``refresh`` skips both caches.
    """
    found: dict[str, AttendanceResult] = {}
    for ref in refs:
        hit = _remembered(connection, ("attendance", "event", ref.key), attendance.CACHE_SECONDS)
        if hit is not None and not refresh:
            found[ref.key] = hit
    missing = [ref for ref in refs if ref.key not in found]
    offset = len(refs) - len(missing)

    def forward(done: int, total: int) -> None:
        if progress is not None:
            progress(offset + done, len(refs))

    kept = report_store(connection) if keep_reports else None
    loaded = attendance.load_many(
        client,
        missing,
        now,
        progress=forward,
        workers=parallel_workers(connection),
        store=kept,
        refresh=refresh,
    )
    if kept is not None:  # a database that went away (or came back) during the load
        st.session_state["cache_problem"] = kept.store.problem
    for ref, result in zip(missing, loaded, strict=True):
        _remember(connection, ("attendance", "event", ref.key), result)
        found[ref.key] = result
    return [found[ref.key] for ref in refs]


def _ensure_frame() -> None:
    """Run a page through app.py when Streamlit ran it alone.

    With a folder named ``pages/`` beside app.py, a freshly started Streamlit serves a deep
    link (say /events) in its legacy mode, running the page file alone until app.py has run
    once. Switch the server to st.navigation mode and run again, through app.py. (AppTest's
    switch_page also runs a page alone, after app.py ran in the session: left as it is.)
    """
    ran = getattr(_frame, "active", False)
    _frame.active = False
    if ran or st.session_state.get("conn_frame_seen"):
        return
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_frame(title: str) -> None:
    """Through app.py's frame and gate, then the title (pages not about one client use this),
    and what could not be used of the link the page was opened with."""
    _ensure_frame()
    if gate_refuses():
        st.stop()
    _url_page(title)
    st.title(title)
    for problem in st.session_state.get("url_problems", []):
        st.warning(problem, icon=":material/link:")


def page_setup(title: str, *, client_optional: bool = False) -> Connection | None:
    """Title, demo marking and configuration warnings; the connection for the page.

    With no client to show (none chosen while demo data is off, or a link's client is not here)
    the page asks for one and stops; with ``client_optional`` it goes on with None.
    """
    page_frame(title)
    try:
        connection = current_connection()
    except NoClientChosen as error:
        _ask_for_client(error)
        if client_optional:
            return None
        st.stop()
    except ZoomError as error:
        show_error(error)
        st.stop()
    _keep_client_in_url(connection)
    if connection.is_demo:
        banner = demo_banner(connection, session_person(), bool(profile_names()))
        st.info(banner, icon=":material/science:")
    else:
        st.caption(f"{connection.description} · {connection.source_text}")
    if connection.source == SOURCE_SESSION:
        st.caption(NOT_SHAREABLE)
    for warning in st.session_state.get("conn_warnings", []):
        st.warning(warning)
    show_limits_problem(connection)
    if st.session_state.get("conn_hosts_error"):
        hosts = ", ".join(connection.settings.hosts)
        st.warning(f"The Hosts field in the sidebar is not valid, so {hosts} is used.")
    return connection


def render_sidebar() -> None:
    """The shared sidebar: the client profile, where the data comes from, scenario, hosts."""
    _frame.active = True
    st.session_state["conn_frame_seen"] = True
    with st.sidebar:
        _render_who()
        names = profile_names(show=True)
        _open_client_from_url(names)
        if "conn_profile" not in st.session_state and _chosen_profile() in names:
            st.session_state["conn_profile"] = _chosen_profile()  # the picker shows the choice
        if names:
            st.selectbox(
                "Client profile",
                options=["", *names],
                format_func=lambda name: name or "(none)",
                key="conn_profile",
                on_change=_client_picked,
                help="Saved clients (All clients page). Switching changes every page's data.",
            )
        try:
            connection = current_connection()
        except NoClientChosen:  # the page asks for one
            st.markdown("**Using:** no client yet")
            return
        except ZoomError as error:
            show_error(error)
            return
        _keep_client_in_url(connection)
        st.markdown(f"**Using:** {connection.description}")
        if connection.is_demo:
            st.selectbox(
                "Demo scenario",
                options=list(DEMO_SCENARIOS),
                format_func=DEMO_SCENARIOS.get,
                key="demo_scenario",
                help="Each scenario is a simulated client account with a typical setup problem.",
            )
        st.text_input(
            "Hosts",
            key="conn_hosts_text",
            placeholder=", ".join(connection.settings.hosts),
            help="Zoom e-mails or user IDs whose events to list, comma-separated "
            "(default: me, the account owner).",
        )
        if st.session_state.get("conn_hosts_error"):
            st.error(st.session_state["conn_hosts_error"])
        st.selectbox(
            "Zoom plan",
            options=list(PLANS),
            index=list(PLANS).index(current_plan().key),
            format_func=lambda key: PLANS[key].name,
            key="conn_plan_picker",
            on_change=_keep_plan,
            help="The client account's plan sets Zoom's rate limits, which the dashboard stays "
            "under, and the daily cap of Heavy calls. Zoom does not tell apps the plan: "
            + "; ".join(plan.label for plan in PLANS.values())
            + ".",
        )
        if connection.source == SOURCE_SESSION and st.button("Forget entered credentials"):
            forget_entered_credentials()
            st.rerun()


def profile_names(*, show: bool = False) -> list[str]:
    """The client profiles' names ([] when the list cannot be read: said once, by the
    sidebar, with ``show``)."""
    try:
        return [p.name for p in profile_store().list(in_use=True)]
    except ZoomError as error:
        if show:
            show_error(error)
        return []


def gate_refuses() -> bool:
    """True when this run's person may not use the dashboard (a page run without app.py's
    gate still shows nothing then)."""
    return not _allowed(current_person())


def _render_who() -> None:
    """Who is signed in, with their role and the sign-out button; or the local-use note."""
    plan, person = _presence()
    for warning in plan.warnings:
        st.warning(warning, icon=":material/public:")
    if person is None or not person.signed_in:
        return
    role = person.role.label if person.role else "no role"
    st.markdown(f"Signed in as **{person.who}** ({role})")
    if st.button("Sign out", key="access_sign_out"):
        st.logout()


def may(action: Action) -> bool:
    """Whether this run's person may do ``action`` (pages hide what they may not use; the core
    refuses it anyway)."""
    person = current_person()
    return person is not None and person.may(action)


def forget_entered_credentials() -> None:
    st.session_state.pop("conn_entered", None)


def _client_picked() -> None:
    """A client chosen by hand replaces typed credentials and a link's client that is not here."""
    forget_entered_credentials()
    st.session_state.pop("url_missing_client", None)


def _pick_from_prompt() -> None:
    st.session_state["conn_profile"] = st.session_state.get("conn_prompt_pick") or ""
    _client_picked()


def _drop_link_client() -> None:
    st.session_state.pop("url_missing_client", None)


def _ask_for_client(error: NoClientChosen) -> None:
    """In place of a client's data: why there is none, and the profile picker."""
    st.info(user_message(error), icon=":material/person_search:")
    names = profile_names(show=True)
    if names:
        st.selectbox(
            "Client profile",
            names,
            index=None,
            placeholder="Choose a client",
            key="conn_prompt_pick",
            on_change=_pick_from_prompt,
        )
    else:
        who = "add the first one" if may(Action.MANAGE_PROFILES) else "an admin adds them"
        st.caption(f"There are no client profiles on this dashboard yet: {who} on All clients.")
    if error.missing is not None:
        st.button(
            "Continue without this link's client",
            key="conn_prompt_drop",
            on_click=_drop_link_client,
        )


# ---- the address: what a reload or a shared link opens -------------------------------------

NOT_SHAREABLE = (
    ":material/link_off: This view uses credentials typed in this browser session, which never "
    "go into the page's address: a link to it opens without them, so it cannot be shared."
)
_ALWAYS = object()  # put_in_url's omit: the value always goes into the address


def _link() -> dict[str, list[str]]:
    """The query parameters of the address this session was opened with that are not used
    yet (taken on its first run: a reload or an opened link is a new session)."""
    state = st.session_state
    if "url_link" not in state:
        query = st.query_params
        state["url_link"] = {name: query.get_all(name) for name in query}
    return state["url_link"]


def _url_page(title: str) -> None:
    """The link's own choices belong to the page it opened: forgotten once another shows."""
    state = st.session_state
    if state.setdefault("url_page", title) != title:
        state["url_page"] = title
        _link().clear()
        state["url_problems"] = []


def _say_url_problem(problem: str, *, now: bool = True) -> None:
    """What a link asked for that cannot be used: said now (``now``) and at the top of the
    page's later runs, until another page shows."""
    problems = st.session_state.setdefault("url_problems", [])
    if problem not in problems:
        problems.append(problem)
        if now:
            st.warning(problem, icon=":material/link:")


def _open_client_from_url(profiles: Sequence[str]) -> None:
    """On a session's first run, the client and hosts of the address it was opened with."""
    state = st.session_state
    if state.get("url_opened"):
        return
    state["url_opened"] = True
    link = _link()
    found = {param: link.pop(param) for param in urlstate.CLIENT_PARAMS if param in link}
    if not found:
        return
    choice = urlstate.read_client(found, profiles, DEMO_SCENARIOS, demo_allowed=deployment().demo)
    if choice.profile is not None:
        state["conn_profile"] = choice.profile
    if choice.missing is not None:
        state["url_missing_client"] = choice.missing
    if choice.demo is not None:
        state["demo_scenario"] = choice.demo
    if choice.hosts is not None:
        state["conn_hosts_text"] = choice.hosts
    for problem in choice.problems:
        _say_url_problem(problem, now=False)  # the sidebar runs first: the page says them


def _keep_client_in_url(connection: Connection) -> None:
    """The client in use and the typed hosts into the address, on every run of every page
    (Streamlit drops query parameters on a page switch). Typed credentials name no client."""
    state = st.session_state
    typed = connection.settings.hosts
    if not state.get("conn_hosts_text") or state.get("conn_hosts_error"):
        typed = None
    profile = connection.profile if connection.source == SOURCE_PROFILE else None
    demo = connection.demo_scenario if connection.is_demo else None
    _put_in_url(urlstate.client_params(profile, demo, typed))


def _put_in_url(params: urlstate.Params) -> None:
    query = st.query_params
    for name, values in params.items():
        if not values:
            if name in query:
                del query[name]
        elif query.get_all(name) != values:
            query[name] = values


def from_url(field: urlstate.Field[T]) -> T | None:
    """What the address this session was opened with gives ``field`` (once, and only on the
    page it opened), after saying on the page what of it cannot be used; else None."""
    link = _link()
    found = {param: link.pop(param) for param in field.params if param in link}
    if not found:
        return None
    result = field.read(found)
    for problem in result.problems:
        _say_url_problem(problem)
    return result.value


def put_in_url(field: urlstate.Field[T], value: T, omit: Any = _ALWAYS) -> None:
    """``value`` into the address (left out when it equals ``omit``, the page's default: a
    clean link)."""
    if omit is not _ALWAYS and value == omit:
        _put_in_url(dict.fromkeys(field.params))
    else:
        _put_in_url(field.write(value))


def url_widget(
    widget: Callable[..., T],
    label: str,
    field: urlstate.Field,
    *,
    key: str,
    omit: Any = _ALWAYS,
    initial: str | None = None,
    **kwargs: Any,
) -> T:
    """``widget(label, key=key, **kwargs)`` kept in the address: a session opened by a link
    starts from the link's value (checked: what cannot be used is said and left out), and the
    widget's value goes back into the address on every run (left out when it equals ``omit``,
    the page's default).

    ``initial`` names the widget's parameter for its first value (``value``, ``default``) when
    the page gives one: the link's value goes there rather than into session state, which
    Streamlit warns about for a widget with a default.
    """
    value = from_url(field)
    if value is not None and initial:
        kwargs[initial] = value
    elif value is not None:
        st.session_state[key] = value
    chosen = widget(label, key=key, **kwargs)
    put_in_url(field, chosen, omit)
    return chosen


# ---- loading with a per-session cache --------------------------------------------------------


def cached(connection: Connection, name: tuple, loader: Callable[[], T], ttl=DATA_TTL) -> T:
    """``loader()`` once per (account, name) per ``ttl`` seconds in this browser session.

    Keyed by the connection's account (never its secret), so switching client or demo
    scenario never shows another account's data.
    """
    hit = _remembered(connection, name, ttl)
    if hit is not None:
        return hit
    value = loader()
    _remember(connection, name, value)
    return value


def _remembered(connection: Connection, name: tuple, ttl: float) -> Any | None:
    """This session's value for (account, name) if younger than ``ttl`` seconds, else None."""
    hit = st.session_state.setdefault("cache_data", {}).get((connection.cache_key, *name))
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    return None


def _remember(connection: Connection, name: tuple, value: Any) -> None:
    st.session_state.setdefault("cache_data", {})[(connection.cache_key, *name)] = (
        time.monotonic(),
        value,
    )


def invalidate(connection: Connection, *prefix: Any) -> None:
    """Forget cached data of this account (only entries whose name starts with ``prefix``)."""
    store: dict = st.session_state.setdefault("cache_data", {})
    for key in list(store):
        account, *name = key
        if account == connection.cache_key and tuple(name[: len(prefix)]) == prefix:
            del store[key]


# ---- the connection check ------------------------------------------------------------------


def run_connection_check(connection: Connection, *, with_plan: bool = True) -> CheckResult:
    """A fresh token and its 17 scopes; once authenticated, the three plan probes.

    Without ``with_plan`` the previous probes are kept (watching re-checks only the token).
    """
    previous = last_connection_check(connection)
    plan_again = with_plan or previous is None or not previous.plan
    result = check_with_client(zoom_client(connection), with_plan=plan_again)
    if not plan_again and result.error is None:
        result.plan = previous.plan
    st.session_state["conn_last_check"] = (connection.cache_key, result)
    return result


def last_connection_check(connection: Connection) -> CheckResult | None:
    stored = st.session_state.get("conn_last_check")
    if stored and stored[0] == connection.cache_key:
        return stored[1]
    return None


# ---- showing things ------------------------------------------------------------------------


def show_error(error: BaseException, *, context: str | None = None) -> None:
    """Any error as words with what to do; a missing scope points to the checklist."""
    text = user_message(error)
    if context:
        text = f"{context}: {text}"
    st.error(text, icon=":material/warning:")
    if isinstance(error, MissingScope):
        st.page_link(CONNECTION_PAGE, label="Open the scope checklist", icon=":material/checklist:")


def show_problems(problems) -> None:
    """What could not be loaded, in words, one message per distinct error (a missing scope hit
    by ten events is said once); a plan limit is information, not a failure."""
    grouped: dict[tuple, list] = {}
    for problem in problems:
        key = (type(problem.error), problem.error.code, problem.error.message)
        grouped.setdefault(key, []).append(problem)
    for same in grouped.values():
        error = same[0].error
        what = same[0].what if len(same) == 1 else f"{same[0].what} and {len(same) - 1} more"
        if isinstance(error, PlanRequired):
            st.info(f"{what}: {user_message(error)}", icon=":material/block:")
        else:
            show_error(error, context=what)


def viewer_timezone() -> str:
    """The browser's time zone when Streamlit knows it, else UTC."""
    try:
        return st.context.timezone or "UTC"
    except Exception:  # noqa: BLE001 - older Streamlit or no browser (AppTest)
        return "UTC"


def ago(moment: datetime) -> str:
    """'just now', '42 s ago', '3 min ago', '5 h ago', '12 days ago'."""
    seconds = int((datetime.now(UTC) - moment).total_seconds())
    if seconds < 5:
        return "just now"
    if seconds < 90:
        return f"{seconds} s ago"
    if seconds < 90 * 60:
        return f"{seconds // 60} min ago"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


# ---- charts with their words, registrant lists, the demo agency (pace, funnel, roster) ---------


# Streamlit wraps long texts only in rows taller than 64 pixels; a wrapped line takes 18.
LINE_PIXELS, ROW_PADDING, WRAP_MIN_HEIGHT = 18, 12, 65
TABLE_ROWS = 10  # rows a table shows before it scrolls
HEADER_HEIGHT = 36  # pixels


def show_table(
    frame: Any,
    columns: Columns,
    *,
    key: str,
    config: dict | None = None,
    wrap: int = 0,
) -> None:
    """A table that fits a laptop's width: ``columns.main`` first (widths and kinds from
    ``config``), the others behind a "More columns" toggle. With ``wrap`` (at least 3), long
    texts wrap onto that many lines instead of being cut. The whole frame is sent, so a test
    sees every column."""
    extra = columns.more(frame.columns)
    more = bool(extra) and st.toggle(
        f"More columns ({len(extra)})", key=f"{key}_more", help=f"Also show {', '.join(extra)}."
    )
    row_height = max(WRAP_MIN_HEIGHT, ROW_PADDING + wrap * LINE_PIXELS) if wrap else None
    if len(frame) <= TABLE_ROWS:
        height = "content"  # a short table whole, however tall its wrapped rows
    else:
        height = HEADER_HEIGHT + TABLE_ROWS * row_height if row_height else "auto"
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=height,
        column_order=columns.order(frame.columns, more=more),
        column_config=config,
        row_height=row_height,
    )


def show_needs_attention(items: Sequence[tuple[str, str]]) -> None:
    """Under a clients table: each client that needs something, with the whole status (what is
    wrong and what to do), which the table's cells cut at a laptop's width."""
    if not items:
        return
    with st.expander(f"What needs doing ({len(items)})", expanded=True):
        for name, status in items:
            st.markdown(f"- **{name}**: {status}")


def show_chart(figure: Any, words: str, key: str, where: Any = None) -> None:
    """A chart and, right under it, what it shows in words (for readers and screen readers)."""
    target = where if where is not None else st
    target.plotly_chart(figure, width="stretch", key=key)
    target.caption(words)


def registrant_lists(
    connection: Connection, client: ZoomClient, events: Sequence[tuple[EventKind, int]]
) -> dict[tuple[str, int], Outcome[list[Registrant]]]:
    """Each event's registrants (the three statuses in one list), or the error that kept them.

    Each status list comes from this session's cache (the Registrants page's entries, which its
    changes clear) or from Zoom: side by side for a real account, through the account's rate
    limiter. A refused sign-in or an unreachable Zoom is raised: nothing else would load.
    """
    wanted = [(kind, event_id, status) for kind, event_id in events for status in STATUSES]
    found: dict[tuple, Outcome] = {}
    for kind, event_id, status in wanted:
        hit = _remembered(connection, ("registrants", kind.value, event_id, status), DATA_TTL)
        if hit is not None:
            found[(kind, event_id, status)] = Outcome(value=hit)
    missing = [item for item in wanted if item not in found]
    outcomes = run_ordered(
        [partial(client.list_registrants, *item) for item in missing],
        parallel_workers(connection),
        fatal=FATAL,
    )
    for (kind, event_id, status), outcome in zip(missing, outcomes, strict=True):
        if outcome.error is None:
            _remember(connection, ("registrants", kind.value, event_id, status), outcome.value)
        found[(kind, event_id, status)] = outcome
    lists: dict[tuple[str, int], Outcome[list[Registrant]]] = {}
    for kind, event_id in events:
        parts = [found[(kind, event_id, status)] for status in STATUSES]
        error = next((part.error for part in parts if part.error is not None), None)
        everyone = [] if error else [r for part in parts for r in part.value or ()]
        lists[(kind.value, event_id)] = Outcome(error=error) if error else Outcome(value=everyone)
    return lists


def check_demo_clients(connection: Connection, *, again: bool = False) -> dict[str, CheckResult]:
    """Every demo scenario's simulated client checked (token, scopes, plan), per scenario.

    Kept for the session like other loaded data; ``again`` checks every one afresh.
    """
    results = {}
    for scenario in DEMO_SCENARIOS:
        demo = replace(connection, demo_scenario=scenario)
        if again:
            invalidate(demo, "demo_roster")
        check = partial(check_with_client, zoom_client(demo), with_plan=True)
        results[scenario] = cached(demo, ("demo_roster",), check)
    return results


def switch_demo_client(scenario: str) -> None:
    """Every page now shows this scenario's simulated account (the sidebar's picker follows)."""
    st.session_state["demo_scenario"] = scenario
    st.session_state.pop("url_missing_client", None)


# ---- the watcher's history, and the demo's watcher view (issue 17) ------------------------------


def watch_history() -> WatchHistory:
    """The watcher's history in the storage in use, read as this session's person: the read
    role, as any client's data (a refusal is raised and recorded by the guard)."""
    use_storage()
    return WatchHistory(storage.current(), Guard(session_person(), activity_log(), "", ""))


def show_html(body: str) -> None:
    """HTML made by the core (every text in it escaped there); Streamlit sanitizes it too."""
    st.html(body)


def demo_watcher() -> DemoWatcher:
    """This session's demo watcher: its in-memory history lasts the session (or a start over)."""
    watcher = st.session_state.get("demo_watcher")
    if watcher is None:
        secrets, _ = _secrets()
        dashboard_url = str(((secrets or {}).get("notify") or {}).get("dashboard_url") or "")
        watcher = demo_watcher_for(
            demo_account, session_person(), activity_log(), dashboard_url.rstrip("/")
        )
        st.session_state["demo_watcher"] = watcher
    watcher.person = session_person()  # who reads the simulated accounts now
    return watcher


def forget_demo_watcher() -> None:
    st.session_state.pop("demo_watcher", None)
    st.session_state.pop("demo_watch_notes", None)
    st.session_state.pop("demo_watch_new", None)
