package stack

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// observer keeps what one account, Region and role's DescribeStacks pages last said of every stack the
// controller owns there, so that stacks are checked without calls of their own: a thousand stacks cost ten
// pages per look rather than a thousand calls. A stack is described on its own when the pages show it but
// not as ours, or did not yet when the driver last wrote to it; a name the pages did not show at all is a
// stack that does not exist, so a new stack costs no call before it is created.
type observer struct {
	cf  CloudFormationAPI
	now func() time.Time

	pollMu sync.Mutex // one poll at a time; those who waited for it use what it found

	mu     sync.Mutex
	polled time.Time            // when the last complete reading began
	done   time.Time            // when it ended
	stacks map[string]seenStack // by stack name
	listed map[string]bool      // every stack name the last reading showed, ours or not
}

// seenStack is a stack as last seen, and when; dirty marks one the driver has written to since.
type seenStack struct {
	stack types.Stack
	at    time.Time
	dirty bool
}

func newObserver(cf CloudFormationAPI, now func() time.Time) *observer {
	return &observer{cf: cf, now: now, stacks: map[string]seenStack{}, listed: map[string]bool{}}
}

// lookup returns the named stack as last read, if that reading is recent enough: within stableAge for a
// stack at rest, within busyAge for one that is changing or that the driver has written to. An older reading
// is replaced by reading every page again, at most once per stableAge for stacks at rest, so that a
// thousand stable stacks cost ten pages per interval; at most once per busyAge while stacks change. ok is
// false when the stack must be described on its own.
func (o *observer) lookup(ctx context.Context, name string, stableAge, busyAge time.Duration) (*types.Stack, bool, error) {
	if stableAge <= 0 || busyAge <= 0 {
		return nil, false, nil
	}
	st, ok, busy := o.fresh(name, stableAge, busyAge)
	if ok {
		return st, true, nil
	}
	need := stableAge
	if busy {
		need = busyAge
	}
	asked := o.now()
	if err := o.poll(ctx, need, asked); err != nil {
		return nil, false, err
	}
	// The reading that ended after the stack was asked for is as fresh as the caller can have: with many
	// stacks a reading takes longer than busyAge, and asking for yet another one would never end.
	st, ok, _ = o.fresh(name, stableAge+o.now().Sub(asked), busyAge+o.now().Sub(asked))
	return st, ok, nil
}

// fresh is the stack as last read, if that reading is recent enough; busy says the stack is changing or was
// written to. A nil stack with ok true is one that a reading within stableAge did not show: if someone made
// it since, creating it fails, and the failure has it described on its own.
func (o *observer) fresh(name string, stableAge, busyAge time.Duration) (st *types.Stack, ok, busy bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, found := o.stacks[name]
	if !found {
		absent := !o.listed[name] && !o.polled.IsZero() && o.now().Sub(o.polled) < stableAge
		return nil, absent, false
	}
	if s.dirty {
		return nil, false, true
	}
	age := o.now().Sub(s.at)
	if strings.HasSuffix(string(s.stack.StackStatus), "_IN_PROGRESS") {
		if age >= busyAge {
			return nil, false, true
		}
	} else if age >= stableAge {
		return nil, false, false
	}
	cp := s.stack
	return &cp, true, false
}

// poll reads every page of stacks, unless someone did so within maxAge or a reading ended after asked: the
// callers that queued behind a reading take what it found, rather than each reading all pages again.
func (o *observer) poll(ctx context.Context, maxAge time.Duration, asked time.Time) error {
	o.pollMu.Lock()
	defer o.pollMu.Unlock()
	started := o.now()
	o.mu.Lock()
	recent := started.Sub(o.polled) < maxAge || !o.done.Before(asked) && !o.done.IsZero()
	o.mu.Unlock()
	if recent {
		return nil
	}
	seen := map[string]types.Stack{}
	listed := map[string]bool{}
	pages := cloudformation.NewDescribeStacksPaginator(o.cf, &cloudformation.DescribeStacksInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describing stacks: %w", err)
		}
		for _, st := range page.Stacks {
			listed[aws.ToString(st.StackName)] = true
			if tagMap(st.Tags)[csv1.TagOwnerUID] != "" {
				seen[aws.ToString(st.StackName)] = st
			}
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for name, s := range o.stacks {
		// What was seen or written after the reading began is newer than the reading.
		if s.at.After(started) {
			delete(seen, name)
			continue
		}
		// One written to and not shown yet is described on its own, which tells if it is gone.
		if _, shown := seen[name]; !shown && !s.dirty {
			delete(o.stacks, name)
		}
	}
	// A stack written to before the reading began shows that write in it.
	for name, st := range seen {
		o.stacks[name] = seenStack{stack: st, at: started}
	}
	o.polled, o.done = started, o.now()
	o.listed = listed
	return nil
}

// saw records a stack described on its own, or that it is gone.
func (o *observer) saw(name string, st *types.Stack) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if st == nil {
		delete(o.stacks, name)
		delete(o.listed, name)
		return
	}
	o.stacks[name] = seenStack{stack: *st, at: o.now()}
	o.listed[name] = true
}

// wrote marks a stack the driver changed, or may have, so that it is next described on its own.
func (o *observer) wrote(name string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stacks[name] = seenStack{at: o.now(), dirty: true}
}

// touched marks the stack written to when a call did something to it, or failed partway and may have.
func (d *Driver) touched(name string, res Result, err error) {
	if err != nil || res.Action != "" && res.Action != ActionNone {
		d.obs.wrote(name)
	}
}
