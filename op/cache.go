package op

import (
	"sync"
	"time"
)

// ttlCache keeps values for a short time. It is the only process-local
// state of the provider: every entry is a copy of a database row that may
// be up to ttl stale.
type ttlCache[V any] struct {
	mu    sync.Mutex
	ttl   time.Duration
	now   func() time.Time
	items map[string]ttlItem[V]
}

type ttlItem[V any] struct {
	v       V
	expires time.Time
}

// maxCacheEntries bounds a cache; only rows that exist are cached, so it is
// reached only with that many clients.
const maxCacheEntries = 10000

func newTTLCache[V any](ttl time.Duration, now func() time.Time) *ttlCache[V] {
	return &ttlCache[V]{ttl: ttl, now: now, items: make(map[string]ttlItem[V])}
}

func (c *ttlCache[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[key]
	if !ok || !c.now().Before(it.expires) {
		var zero V
		return zero, false
	}
	return it.v, true
}

func (c *ttlCache[V]) put(key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.items) >= maxCacheEntries {
		c.evict(now)
	}
	c.items[key] = ttlItem[V]{v: v, expires: now.Add(c.ttl)}
}

func (c *ttlCache[V]) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.items, key)
}

// evict drops expired entries, and everything when none had expired.
func (c *ttlCache[V]) evict(now time.Time) {
	for k, it := range c.items {
		if !now.Before(it.expires) {
			delete(c.items, k)
		}
	}
	if len(c.items) >= maxCacheEntries {
		clear(c.items)
	}
}
