package controllers

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/client-go/tools/events"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// operation is a running operation's progress with n resource events after the stack's own start.
func operation(id string, n int) *stack.Progress {
	p := &stack.Progress{Operation: id, Done: n / 2, Total: n, Running: true,
		Events: []stack.Event{{ID: id, LogicalID: "s", Type: "AWS::CloudFormation::Stack", Status: "CREATE_IN_PROGRESS"}}}
	for i := range n {
		status := "CREATE_COMPLETE"
		if i == 3 {
			status = "CREATE_FAILED"
		}
		p.Events = append(p.Events, stack.Event{ID: fmt.Sprintf("%s-%d", id, i), LogicalID: fmt.Sprintf("R%d", i), Type: "AWS::SNS::Topic", Status: status})
	}
	return p
}

func drain(rec *events.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestApplyProgressMirrorsEachStackEventOnceWithinBounds(t *testing.T) {
	rec := events.NewFakeRecorder(1000)
	r := &ComposeStackReconciler{Recorder: rec}
	obj := &csv1.ComposeStack{}

	// The same events, read again by later polls, are mirrored once; at most eventsPerReconcile at a time.
	p := operation("op1", 30)
	var got []string
	for range 3 {
		r.applyProgress(obj, p)
		batch := drain(rec)
		if len(batch) > eventsPerReconcile {
			t.Fatalf("%d Events in one reconcile", len(batch))
		}
		got = append(got, batch...)
	}
	if len(got) != 31 || obj.Status.StackEvents.Mirrored != 31 {
		t.Fatalf("%d Events, status %+v; want 31", len(got), obj.Status.StackEvents)
	}
	if !strings.HasPrefix(got[4], "Warning StackEventFailed") || !strings.HasPrefix(got[5], "Normal StackEvent") ||
		!strings.Contains(got[4], "AWS::SNS::Topic R3 CREATE_FAILED") {
		t.Errorf("events %q", got[3:6])
	}
	if obj.Status.Progress != "15/30 resources" {
		t.Errorf("progress %q", obj.Status.Progress)
	}

	// A long operation: eventsPerOperation Events, then one that says the rest are left out, then none.
	p = operation("op2", 500)
	p.Running = false // the last read: no later poll would mirror what is left
	r.applyProgress(obj, p)
	r.applyProgress(obj, p)
	got = drain(rec)
	if len(got) != eventsPerOperation+1 || !strings.Contains(got[len(got)-1], "are not mirrored") {
		t.Fatalf("%d Events for an operation of 501, last %q", len(got), got[len(got)-1])
	}
	if m := obj.Status.StackEvents; m.Operation != "op2" || !m.Truncated || m.LastEventID != "op2-499" {
		t.Errorf("status %+v", m)
	}
}

func TestProgressIsNoTransition(t *testing.T) {
	msg := "stack s is CREATE_IN_PROGRESS"
	if got := withoutProgress(withProgress(msg, "23/57 resources")); got != msg {
		t.Errorf("withoutProgress = %q", got)
	}
	if got := withoutProgress("stack s failed (see status)"); got != "stack s failed (see status)" {
		t.Errorf("withoutProgress cut a message without progress: %q", got)
	}
}
