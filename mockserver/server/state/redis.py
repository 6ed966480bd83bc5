"""The Redis/Valkey backend: state shared by replicas on several machines (``--state redis://…``).

Each bounded table is four keys — ``data`` (hash key → bytes), ``size`` (hash key → bytes
counted), ``order`` (sorted set key → seq) and ``meta`` (hash: seq, bytes, evicted, epoch) —
changed by Lua scripts, so a put with its evictions, or a counter's increment, is one atomic
step on the server. The scenario board is two keys (version, doc) swapped by a script. Keys
start with ``mockserver:`` (``?prefix=name`` in the URL sets another). Needs the ``redis``
package (``pip install 'mockserver[redis]'``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mockserver.config import ConfigError
from mockserver.server.state.tables import Row, Stats

# KEYS: data, size, order, meta. ARGV: key ('' = the seq), value, size, max_count, max_bytes, delta
# (delta '' = put value; else add delta to the integer value, 0 or less deleting the row).
_PUT = """
local data, sizes, order, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local key, value, size = ARGV[1], ARGV[2], tonumber(ARGV[3])
local max_count, max_bytes = tonumber(ARGV[4]), tonumber(ARGV[5])
local old = key ~= '' and redis.call('HGET', sizes, key)
if ARGV[6] ~= '' then
  value = tonumber(redis.call('HGET', data, key) or '0') + tonumber(ARGV[6])
  if value <= 0 then
    if old then
      redis.call('HDEL', data, key); redis.call('HDEL', sizes, key); redis.call('ZREM', order, key)
      redis.call('HINCRBY', meta, 'bytes', -tonumber(old))
    end
    return 0
  end
end
local seq = redis.call('HINCRBY', meta, 'seq', 1)
if key == '' then key = tostring(seq) end
if old then redis.call('HINCRBY', meta, 'bytes', -tonumber(old)) end
redis.call('HSET', data, key, value); redis.call('HSET', sizes, key, size); redis.call('ZADD', order, seq, key)
local total = redis.call('HINCRBY', meta, 'bytes', size)
local count = redis.call('ZCARD', order)
local evicted = 0
while count > max_count or (total > max_bytes and count > 1) do
  local k = redis.call('ZPOPMIN', order)[1]
  total = redis.call('HINCRBY', meta, 'bytes', -tonumber(redis.call('HGET', sizes, k) or '0'))
  redis.call('HDEL', data, k); redis.call('HDEL', sizes, k)
  count = count - 1; evicted = evicted + 1
end
if evicted > 0 then redis.call('HINCRBY', meta, 'evicted', evicted) end
if ARGV[6] ~= '' then return value end
return seq
"""
_DELETE = """
local old = redis.call('HGET', KEYS[2], ARGV[1])
if not old then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1]); redis.call('HDEL', KEYS[2], ARGV[1]); redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'bytes', -tonumber(old))
return 1
"""
_CLEAR = """
local count = redis.call('ZCARD', KEYS[3])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('HSET', KEYS[4], 'bytes', 0, 'evicted', 0)
redis.call('HINCRBY', KEYS[4], 'epoch', 1)
if ARGV[1] == '1' then redis.call('HSET', KEYS[4], 'seq', 0) end
return count
"""
# KEYS: version, doc. ARGV: expected version, new doc → the new version, or -1
_SWAP = """
local version = tonumber(redis.call('GET', KEYS[1]) or '0')
if version ~= tonumber(ARGV[1]) then return -1 end
redis.call('SET', KEYS[2], ARGV[2])
return redis.call('INCR', KEYS[1])
"""


class RedisTable:
    def __init__(self, backend: "RedisBackend", name: str) -> None:
        self.name = name
        self._r = backend.client
        self._backend = backend
        p = f"{backend.prefix}{name}:"
        self._keys = [p + "data", p + "size", p + "order", p + "meta"]

    def put(self, key: str | None, data: bytes, size: int, max_count: int, max_bytes: int) -> int:
        return int(self._backend.put(keys=self._keys, args=[key or "", data, size, max_count, max_bytes, ""]))

    def add(self, key: str, delta: int, size: int, max_count: int, max_bytes: int) -> int:
        return int(self._backend.put(keys=self._keys, args=[key, "", size, max_count, max_bytes, delta]))

    def get(self, key: str) -> bytes | None:
        return self._r.hget(self._keys[0], key)

    def delete(self, key: str) -> bool:
        return bool(self._backend.delete(keys=self._keys, args=[key]))

    def clear(self, restart: bool = False) -> int:
        return int(self._backend.clear(keys=self._keys, args=["1" if restart else "0"]))

    def rows(self, after: int = 0, newest_first: bool = False, limit: int = -1) -> list[Row]:
        order = self._keys[2]
        count = None if limit < 0 else limit
        if newest_first:
            ranked = self._r.zrevrangebyscore(order, "+inf", f"({after}", start=0 if count else None,
                                              num=count, withscores=True)
        else:
            ranked = self._r.zrangebyscore(order, f"({after}", "+inf", start=0 if count else None,
                                           num=count, withscores=True)
        if not ranked:
            return []
        values = self._r.hmget(self._keys[0], [k for k, _ in ranked])
        return [(int(seq), k.decode(), v) for (k, seq), v in zip(ranked, values) if v is not None]

    def row(self, seq: int) -> Row | None:
        rows = self._r.zrangebyscore(self._keys[2], seq, seq)
        if not rows:
            return None
        value = self._r.hget(self._keys[0], rows[0])
        return (seq, rows[0].decode(), value) if value is not None else None

    def stats(self) -> Stats:
        pipe = self._r.pipeline(transaction=True)
        pipe.zcard(self._keys[2])
        pipe.hmget(self._keys[3], ["bytes", "evicted", "seq", "epoch"])
        count, meta = pipe.execute()
        total, evicted, seq, epoch = (int(v or 0) for v in meta)
        return Stats(count, total, evicted, seq, epoch)


class RedisBackend:
    kind = "redis"

    def __init__(self, url: str) -> None:
        try:
            import redis
        except ImportError:
            raise ConfigError(f"--state {url} needs the redis package: pip install 'mockserver[redis]'") from None
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.prefix = query.pop("prefix", "mockserver") + ":"
        scheme = "redis" if parts.scheme == "valkey" else parts.scheme
        plain = urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), ""))
        self.client = redis.Redis.from_url(plain, socket_timeout=10, health_check_interval=30)
        try:
            self.client.ping()
        except redis.RedisError as exc:
            raise ConfigError(f"--state {url}: cannot reach Redis: {exc}") from None
        self.put = self.client.register_script(_PUT)
        self.delete = self.client.register_script(_DELETE)
        self.clear = self.client.register_script(_CLEAR)
        self._swap = self.client.register_script(_SWAP)
        self._board = [self.prefix + "board:version", self.prefix + "board:doc"]

    def table(self, name: str) -> RedisTable:
        return RedisTable(self, name)

    def version(self) -> int:
        return int(self.client.get(self._board[0]) or 0)

    def board(self) -> tuple[int, bytes]:
        version, doc = self.client.mget(self._board)
        return int(version or 0), doc or b""

    def swap_board(self, expected: int, doc: bytes) -> int | None:
        swapped = int(self._swap(keys=self._board, args=[expected, doc]))
        return swapped if swapped >= 0 else None

    def close(self) -> None:
        self.client.close()
