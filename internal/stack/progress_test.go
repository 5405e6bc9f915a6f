package stack_test

import (
	"context"
	"testing"
	"time"

	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/composestack/composestack/internal/stack"
)

// While a create runs, each Sync reports how many of the template's resources are done, from the events of
// that create alone; the call after it ends reports them all, and a stable stack reads no events.
func TestSyncReportsProgressOfTheRunningOperation(t *testing.T) {
	e := newLocalEnv(t, true)
	want := desired(1)
	e.reach(t, cftypes.StackStatusCreateInProgress, func() { e.syncOnce(t, want) })
	var dones []int
	var res stack.Result
	for range 50 {
		e.settle(t)
		e.later += time.Minute // past the observer's poll interval, so that each Sync sees the stack anew
		want.LastStackStatus = res.StackStatus
		res = e.syncOnce(t, want)
		p := res.Progress
		if p == nil || p.Total != 3 {
			t.Fatalf("progress = %+v while %s", p, res.StackStatus)
		}
		dones = append(dones, p.Done)
		if res.Phase == stack.PhaseConverged {
			break
		}
		if p.Operation == "" || len(p.Events) == 0 || p.Events[0].ID != p.Operation || p.Events[0].Status != "CREATE_IN_PROGRESS" {
			t.Fatalf("the events do not start with the create: %+v", p)
		}
		if e.busy(t) {
			e.step(t)
		}
	}
	if res.Phase != stack.PhaseConverged || dones[len(dones)-1] != 3 {
		t.Fatalf("phase %s (%s), done counts %v", res.Phase, res.StackStatus, dones)
	}
	if dones[0] != 0 {
		t.Errorf("done counts %v start at %d, want 0", dones, dones[0])
	}
	for i := 1; i < len(dones); i++ {
		if dones[i] < dones[i-1] {
			t.Fatalf("done counts %v go back", dones)
		}
	}
	if len(dones) < 4 {
		t.Errorf("done counts %v: want at least one in between", dones)
	}
	last := res.Progress.Events
	if len(last) == 0 || last[len(last)-1].Status != "CREATE_COMPLETE" || last[len(last)-1].LogicalID != "shop-web" {
		t.Errorf("the call after the create does not report its end: %+v", last)
	}
	seen := map[string]bool{}
	for _, ev := range last {
		if seen[ev.ID] {
			t.Errorf("event %s twice", ev.ID)
		}
		seen[ev.ID] = true
	}

	reads := e.calls("DescribeStackEvents")
	want.LastStackStatus = res.StackStatus
	want.LastAppliedDigest = res.Digest
	res = e.syncOnce(t, want)
	if got := e.calls("DescribeStackEvents"); got != reads {
		t.Errorf("a stable stack read its events: %d calls, then %d", reads, got)
	}
	if p := res.Progress; p == nil || p.Fraction() != "3/3 resources" || len(p.Events) != 0 {
		t.Errorf("progress of a stable stack = %+v", p)
	}
}

// While a delete runs, each Delete call reports how many of the stack's resources are gone, counting up to
// all of them, and reads no more than the events and the resource list.
func TestDeleteReportsProgress(t *testing.T) {
	e := newLocalEnv(t, true)
	want := desired(1)
	e.reach(t, cftypes.StackStatusCreateInProgress, func() { e.syncOnce(t, want) })
	for e.busy(t) {
		e.step(t)
	}
	e.reach(t, cftypes.StackStatusDeleteInProgress, func() { e.deleteOnce(t) })
	var fractions []string
	for range 50 {
		res, err := e.d.Delete(context.Background(), "shop-web", motoOwner)
		if err != nil {
			t.Fatal(err)
		}
		if res.Phase == stack.PhaseDeleted {
			break
		}
		if res.Progress == nil || !res.Progress.Deleting || res.Progress.Total != 3 {
			t.Fatalf("progress = %+v while %s", res.Progress, res.StackStatus)
		}
		fractions = append(fractions, res.Progress.Fraction())
		if e.busy(t) {
			e.step(t)
		}
	}
	if len(fractions) < 2 || fractions[0] != "0/3 resources deleted" || fractions[len(fractions)-1] == fractions[0] {
		t.Errorf("fractions while deleting: %v; want them to start at 0/3 and rise", fractions)
	}
}
