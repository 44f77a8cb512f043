"""Zoom's rate limits shared by every process on one account, kept in Redis.

Zoom's limits are per account, so every process that calls it (each dashboard, the command
line, the benchmark) must take its request slots from one place. With ``[limits] redis_url`` in
the secrets file, or ``ERBIUM_ZOOM_REDIS_URL``, each account's limiter
(:class:`~erbium_zoom.ratelimit.RateLimiter`) takes them from Redis through :class:`RedisSlots`.

The Redis side is one small Lua script (``SCRIPT``), run atomically by Redis on Redis's own clock
(``TIME``), so processes on different machines need no common clock. It does what the
in-process limiter does, per account and category: hand out evenly spaced slots (``window /
allowance`` apart), keep a log of when requests went so that no window holds more than the
allowance, hold a pause that Zoom asked for and widen every process's margin when
one of them meets a per-second 429, take back the log of a process whose Redis restarted, and
count Heavy calls per UTC day. The ``limits`` package's Redis moving window was
considered: it accepts or refuses a hit at once, so callers would poll and burst at each
window's start, with no even spacing, no waiting for a reserved slot and no shared pause.

Keys hold a hash of the account (Account ID, sign-in and API URLs), never an ID in clear and
never a secret; they expire a minute after their last use, the Heavy count two days after its
day. Every failure to reach Redis is raised as :class:`SharedLimitsUnavailable`, naming host and
port only (a URL's password never appears).

No streamlit here.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from urllib.parse import urlsplit

from erbium_zoom.errors import ConfigError, SharedLimitsUnavailable
from erbium_zoom.ratelimit import MAX_MARGIN, NARROW_PER_SECOND

ENV_VAR = "ERBIUM_ZOOM_REDIS_URL"
PREFIX = "erbium-zoom:limits"
KEEP_MS = 60_000  # a category's keys outlive their last use by a minute
HEAVY_KEEP_S = 2 * 86_400  # a day's Heavy count is kept two days
TIMEOUT = 0.5  # seconds to connect to Redis or for it to answer, before pacing alone

# KEYS: 1 next slot, 2 log of sends (sorted set), 3 pause until, 4 "state exists" marker, 5 the
# margin that 429s added for every process (hash: level, at); 1 Heavy count (for heavy). Times
# are Redis's clock in whole microseconds. ARGV[1] is the mode, ARGV[#ARGV] the keys' lifetime:
#   take   allowance, window µs, slot µs (0: none yet), pause µs from now, caller's id, narrowing
#          µs a second -> {wait µs (0: granted, logged), slot µs, sends in the window, 1 if the
#          state was new, the window used µs: the caller's, or 1 s + the shared margin,
#          the request's entry in the log}
#   pause  µs from now, margin to add µs, narrowing µs a second, largest margin µs -> 0
#   seed   caller's id, ages µs... (requests that went that long ago) -> 0
#   went   a granted request's entry (take's 6th answer), µs it was held up before the wire
#          -> 0: the entry moves that much later, as the local log's does
#   heavy  seconds to keep -> the day's count after this call
SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function n(x) return string.format('%.0f', x) end
local mode = ARGV[1]
if mode == 'heavy' then
  local count = redis.call('INCR', KEYS[1])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return count
end
if mode == 'went' then
  local score = redis.call('ZSCORE', KEYS[2], ARGV[2])
  if score then redis.call('ZADD', KEYS[2], n(tonumber(score) + tonumber(ARGV[3])), ARGV[2]) end
  return 0
end
local keep = tonumber(ARGV[#ARGV])
local function margin(narrowing)
  local saved = redis.call('HMGET', KEYS[5], 'level', 'at')
  local level = tonumber(saved[1] or '0')
  return math.max(0, level - narrowing * (now - tonumber(saved[2] or now)) / 1000000)
end
if mode == 'pause' then
  local until_ = now + tonumber(ARGV[2])
  local old = tonumber(redis.call('GET', KEYS[3]) or '0')
  if until_ > old then redis.call('SET', KEYS[3], n(until_), 'PX', keep) end
  if tonumber(ARGV[3]) > 0 then
    local level = math.min(tonumber(ARGV[5]), margin(tonumber(ARGV[4])) + tonumber(ARGV[3]))
    redis.call('HSET', KEYS[5], 'level', n(level), 'at', n(now))
    redis.call('PEXPIRE', KEYS[5], keep)
  end
  return 0
end
if mode == 'seed' then
  for i = 3, #ARGV - 1 do
    local moment = now - tonumber(ARGV[i])
    redis.call('ZADD', KEYS[2], n(moment), n(moment) .. ':' .. ARGV[2] .. ':' .. i)
  end
  redis.call('PEXPIRE', KEYS[2], keep)
  return 0
end
local allowance = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local shared = margin(tonumber(ARGV[7]))
if shared > 0 then window = math.max(window, 1000000 + shared) end
local slot = tonumber(ARGV[4])
local fresh = 1 - redis.call('EXISTS', KEYS[4])
redis.call('SET', KEYS[4], '1', 'PX', keep)
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if tonumber(ARGV[5]) > 0 then paused = math.max(paused, now + tonumber(ARGV[5])) end
if slot == 0 or paused > slot then
  slot = math.max(now, paused, tonumber(redis.call('GET', KEYS[1]) or '0'))
  redis.call('SET', KEYS[1], n(slot + math.floor(window / allowance)), 'PX', keep)
end
local since = '(' .. n(now - window)
local count = redis.call('ZCOUNT', KEYS[2], since, '+inf')
local due = slot
if count >= allowance then
  local nth = redis.call('ZREVRANGEBYSCORE', KEYS[2], '+inf', since, 'WITHSCORES',
    'LIMIT', allowance - 1, 1)
  due = math.max(due, tonumber(nth[2]) + window)
end
if due > now then return {due - now, slot, count, fresh, window, ''} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', n(now - 2 * window - 1000000))
local entry = n(now) .. ':' .. ARGV[6]
redis.call('ZADD', KEYS[2], n(now), entry)
redis.call('PEXPIRE', KEYS[2], keep)
return {0, slot, count, fresh, window, entry}
"""


def redis_url(secrets: Mapping | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The Redis URL for shared limits: ERBIUM_ZOOM_REDIS_URL, else [limits] redis_url."""
    env = os.environ if environ is None else environ
    url = (env.get(ENV_VAR) or "").strip()
    if not url:
        table = (secrets or {}).get("limits")
        value = table.get("redis_url") if isinstance(table, Mapping) else None
        url = value.strip() if isinstance(value, str) else ""
    if not url:
        return None
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(
            f"The Redis URL for shared rate limits ({describe(url)}) must start with redis://, "
            "rediss:// or unix://.",
            field="redis_url",
            advice=f"Fix {ENV_VAR} or [limits] redis_url in the secrets file, e.g. "
            '"redis://127.0.0.1:6379/0".',
        )
    return url


def describe(url: str) -> str:
    """Where a Redis URL points, without user or password: "redis at host:port"."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"redis at {parts.path}"
    try:
        port = parts.port or 6379
    except ValueError:
        port = "?"
    return f"redis at {parts.hostname or '?'}:{port}"


def account_hash(quota_key: str) -> str:
    """The account's name in Redis keys: a hash of store.quota_key (no secret is in it)."""
    return hashlib.sha256(quota_key.encode()).hexdigest()[:32]


class RedisSlots:
    """One account's shared slots and Heavy count (``ratelimit.SharedSlots``)."""

    def __init__(self, client, account: str, where: str):
        self._client = client
        self._account = account
        self.where = where
        self._script = client.register_script(SCRIPT)
        self._caller = uuid.uuid4().hex[:12]
        self._serial = itertools.count()

    def __repr__(self) -> str:
        return f"RedisSlots({self.where!r})"

    def _keys(self, category: str) -> list[str]:
        base = f"{PREFIX}:{self._account}:{category}"
        state = f"{PREFIX}:{self._account}:state"
        return [f"{base}:slot", f"{base}:log", f"{base}:pause", state, f"{base}:margin"]

    def _run(self, keys: list[str], args: list):
        import redis

        try:
            return self._script(keys=keys, args=args)
        except redis.RedisError as error:
            # The error's text may repeat the URL; the page gets host and port only.
            raise SharedLimitsUnavailable(
                f"The shared rate limits are unavailable: {self.where} did not answer "
                f"({type(error).__name__}).",
                where=self.where,
            ) from None

    def take(
        self, category: str, allowance: int, window: float, slot: int | None, pause_for: float
    ) -> tuple[float, int, int, bool, str | None]:
        wait, slot, count, fresh, _, entry = self.take_window(
            category, allowance, window, slot, pause_for
        )
        return wait, slot, count, fresh, entry

    def take_window(
        self, category: str, allowance: int, window: float, slot: int | None, pause_for: float
    ) -> tuple[float, int, int, bool, float, str | None]:
        """``take``, and the window used: the caller's, or wider after another's 429."""
        caller = f"{self._caller}:{next(self._serial)}"
        args = ["take", allowance, _us(window), slot or 0, _us(pause_for), caller]
        args += [_us(NARROW_PER_SECOND), KEEP_MS]
        wait, slot, count, fresh, used, entry = self._run(self._keys(category), args)
        entry = entry.decode() if isinstance(entry, bytes) else entry
        return int(wait) / 1e6, int(slot), int(count), bool(fresh), int(used) / 1e6, entry or None

    def went(self, category: str, entry: str, held_up: float) -> None:
        """The request of ``entry`` went on the wire ``held_up`` seconds after its grant: the
        log counts it from then, for every process."""
        self._run(self._keys(category), ["went", entry, _us(held_up)])

    def pause(self, category: str, seconds: float, widen: float = 0.0) -> None:
        """Every process waits ``seconds``; ``widen`` (after a 429) adds to every process's
        margin for the category, narrowing as each process's own margin does."""
        args = ["pause", _us(seconds), _us(widen), _us(NARROW_PER_SECOND), _us(MAX_MARGIN)]
        self._run(self._keys(category), [*args, KEEP_MS])

    def seed(self, ages: Mapping[str, Sequence[float]]) -> None:
        caller = f"{self._caller}:seed{next(self._serial)}"
        for category, seconds in ages.items():
            if seconds:
                args = ["seed", caller, *(_us(age) for age in seconds), KEEP_MS]
                self._run(self._keys(category), args)

    def _heavy_key(self, day: date) -> str:
        return f"{PREFIX}:{self._account}:heavy:{day.isoformat()}"

    def count_heavy(self, day: date) -> int:
        return int(self._run([self._heavy_key(day)], ["heavy", HEAVY_KEEP_S]))

    def heavy(self, day: date) -> int:
        import redis

        try:
            return int(self._client.get(self._heavy_key(day)) or 0)
        except redis.RedisError as error:
            raise SharedLimitsUnavailable(
                f"The shared Heavy count is unavailable: {self.where} did not answer "
                f"({type(error).__name__}).",
                where=self.where,
            ) from None


def _us(seconds: float) -> int:
    return max(0, round(seconds * 1_000_000))


_clients: dict[str, object] = {}
_clients_guard = threading.Lock()


def connect(url: str):
    """The process's Redis client for ``url`` (one connection pool per URL). Connecting is
    lazy: an unreachable server shows on the first call, as SharedLimitsUnavailable."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    with _clients_guard:
        client = _clients.get(url)
        if client is None:
            client = redis.Redis.from_url(
                url,
                socket_timeout=TIMEOUT,
                socket_connect_timeout=TIMEOUT,
                # One quick retry covers a connection dropped by a restart; a server that is
                # down fails fast, and the limiter paces alone.
                retry=Retry(NoBackoff(), 1),
                health_check_interval=0,
            )
            _clients[url] = client
        return client


def slots_for(url: str, quota_key: str) -> RedisSlots:
    """The shared slots of the account ``quota_key`` (store.quota_key) on ``url``'s Redis."""
    return RedisSlots(connect(url), account_hash(quota_key), describe(url))


def forget_clients() -> None:
    """Close and drop the process's Redis clients (tests; a changed URL)."""
    with _clients_guard:
        for client in _clients.values():
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing a dead connection must not fail
                pass
        _clients.clear()
