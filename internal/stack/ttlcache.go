package stack

import (
	"sync"
	"time"
)

// ttlCache remembers lookups by key for a while: the network lookups that every reconcile of every stack needs,
// whose answers change rarely. Only successes are stored, so a missing VPC or load balancer is looked up again
// on the next reconcile.
type ttlCache[V any] struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	value   V
	expires time.Time
}

// newTTLCache returns an empty cache. ttl <= 0 takes DefaultNetworkTTL; now nil takes time.Now.
func newTTLCache[V any](ttl time.Duration, now func() time.Time) *ttlCache[V] {
	if ttl <= 0 {
		ttl = DefaultNetworkTTL
	}
	if now == nil {
		now = time.Now
	}
	return &ttlCache[V]{ttl: ttl, now: now, entries: map[string]ttlEntry[V]{}}
}

func (c *ttlCache[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.now().Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

func (c *ttlCache[V]) put(key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = ttlEntry[V]{value: v, expires: c.now().Add(c.ttl)}
}
