"""The shared cache in Redis (``settings.prod`` with ``REDIS_URL``, and the benchmark).

Django's ``RedisCache`` builds a new ``redis.Redis`` object around its connection pool for every cache
call, and building one costs more CPU than the call's own round trip (about 0.2 ms: it sorts out dozens
of options each time). Every signed-in request reads its session through the cache, so this backend
keeps one client per connection pool instead. A client holds no connection or state of its own (the pool
does, and is already shared), and Django gives each thread its own cache object, so nothing new is
shared between threads.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients_by_pool", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
