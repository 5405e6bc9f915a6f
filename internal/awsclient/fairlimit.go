package awsclient

import (
	"context"
	"sync"

	"golang.org/x/time/rate"
)

// fairLimiter paces calls to a rate shared by every caller, and hands each freed slot to the tenants with
// calls waiting in turn, so that a tenant with a thousand calls queued delays another's single call by at
// most one slot per waiting tenant, not by its whole queue.
type fairLimiter struct {
	pace *rate.Limiter

	mu      sync.Mutex
	queues  map[string][]*waiter
	turns   []string // tenants with calls waiting, in the order they are served
	running bool     // a dispatcher is handing out slots
}

type waiter struct {
	ready     chan struct{}
	cancelled bool
}

// newFairLimiter returns a limiter of perSecond calls, or nil (no limit) for perSecond <= 0. Calls go
// evenly spaced, never in a burst: a slot is taken before the call is signed and sent, and a call delayed
// on its way (a busy machine) arrives next to the one after it; with the account's bucket spent by a burst
// of ours, that pair is throttled. Without bursts the account's bucket stays full to absorb such delays.
func newFairLimiter(perSecond float64) *fairLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &fairLimiter{
		pace:   rate.NewLimiter(rate.Limit(perSecond), 1),
		queues: map[string][]*waiter{},
	}
}

// wait blocks until tenant may make one call, or ctx ends.
func (f *fairLimiter) wait(ctx context.Context, tenant string) error {
	if f == nil {
		return nil
	}
	w := &waiter{ready: make(chan struct{})}
	f.mu.Lock()
	if len(f.queues[tenant]) == 0 {
		f.turns = append(f.turns, tenant)
	}
	f.queues[tenant] = append(f.queues[tenant], w)
	if !f.running {
		f.running = true
		go f.dispatch()
	}
	f.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		f.mu.Lock()
		defer f.mu.Unlock()
		select {
		case <-w.ready:
			return nil // served as it gave up: the slot is taken, so use it
		default:
			w.cancelled = true
			return ctx.Err()
		}
	}
}

// busy says whether calls are waiting for a slot: the budget is spent for now.
func (f *fairLimiter) busy() bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.turns) > 0
}

// dispatch hands out slots at the limiter's pace while calls are waiting, and stops when none are.
func (f *fairLimiter) dispatch() {
	for {
		f.mu.Lock()
		if len(f.turns) == 0 {
			f.running = false
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		// The background context: a slot is only ever given to a waiter, and waiters can leave on their own.
		_ = f.pace.Wait(context.Background())
		f.mu.Lock()
		if w := f.next(); w != nil {
			close(w.ready)
		}
		f.mu.Unlock()
	}
}

// next takes the first live waiter of the tenant whose turn it is, and moves that tenant to the back of
// the line if it has more. Callers hold mu.
func (f *fairLimiter) next() *waiter {
	for len(f.turns) > 0 {
		tenant := f.turns[0]
		f.turns = f.turns[1:]
		q := f.queues[tenant]
		var w *waiter
		for len(q) > 0 && w == nil {
			if !q[0].cancelled {
				w = q[0]
			}
			q = q[1:]
		}
		// Drop the waiters that gave up behind it too, so that an empty queue ends the tenant's turns.
		for len(q) > 0 && q[0].cancelled {
			q = q[1:]
		}
		if len(q) == 0 {
			delete(f.queues, tenant)
		} else {
			f.queues[tenant] = q
			f.turns = append(f.turns, tenant)
		}
		if w != nil {
			return w
		}
	}
	return nil
}
