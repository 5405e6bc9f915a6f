package stackfake

import "sync"

// callCounter counts calls by operation, for the fakes whose calls have no other state to guard.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

// Calls returns how many times op was called.
func (c *callCounter) Calls(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

func (c *callCounter) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[op]++
}
