package stack_test

import (
	"context"
	"testing"

	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
)

// detectToEnd starts a detection and reads it until it is done.
func (e *localEnv) detectToEnd(t *testing.T) stack.DriftReport {
	t.Helper()
	ctx := context.Background()
	started, err := e.d.DetectDrift(ctx, "shop-web")
	id := started.DetectionID
	if err != nil || id == "" || started.RequeueAfter <= 0 {
		t.Fatalf("DetectDrift = %+v, %v; want a detection and when to look again", started, err)
	}
	e.settle(t)
	rep, err := e.d.DriftResult(ctx, "shop-web", id)
	if err != nil || rep.Done {
		t.Fatalf("DriftResult before the detection's step = %+v, %v; want it running", rep, err)
	}
	e.step(t)
	rep, err = e.d.DriftResult(ctx, "shop-web", id)
	if err != nil || !rep.Done {
		t.Fatalf("DriftResult after the detection's step = %+v, %v; want it done", rep, err)
	}
	return rep
}

func TestDriftDetectionAndRevert(t *testing.T) {
	e := newLocalEnv(t, true)
	want := desired(1)
	rs := e.syncToEnd(t, want)
	want.LastAppliedDigest = rs[len(rs)-1].Digest

	if rep := e.detectToEnd(t); rep.StackDriftStatus != "IN_SYNC" || len(rep.Resources) != 0 {
		t.Fatalf("untouched stack: %+v", rep)
	}
	if err := e.srv.DriftResource(cfnlocal.ResourceDrift{StackName: "shop-web", LogicalResourceID: "TaskDefinition", Properties: map[string]any{"Memory": "2048"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.DriftResource(cfnlocal.ResourceDrift{StackName: "shop-web", LogicalResourceID: "Cluster", Delete: true}); err != nil {
		t.Fatal(err)
	}
	rep := e.detectToEnd(t)
	if rep.StackDriftStatus != "DRIFTED" || rep.Drifted != 2 || len(rep.Resources) != 2 {
		t.Fatalf("drifted stack: %+v", rep)
	}
	cluster, td := rep.Resources[0], rep.Resources[1]
	if cluster.LogicalID != "Cluster" || cluster.Status != "DELETED" || cluster.Revertible() {
		t.Errorf("cluster: %+v", cluster)
	}
	if td.LogicalID != "TaskDefinition" || td.Status != "MODIFIED" || !td.Revertible() || td.Type != "AWS::ECS::TaskDefinition" ||
		len(td.Differences) != 1 || td.Differences[0] != (stack.PropertyDifference{Path: "/Memory", Expected: "512", Actual: "2048", Type: "NOT_EQUAL"}) {
		t.Errorf("task definition: %+v", td)
	}

	// Without RevertDrift, the converged stack is left alone: no change set is made.
	before := e.calls("CreateChangeSet")
	if res := e.syncOnce(t, want); res.Phase != stack.PhaseConverged || res.DriftReverted || e.calls("CreateChangeSet") != before {
		t.Fatalf("plain sync of a drifted stack: %+v", res)
	}

	// With it, a drift-aware change set runs, and the modified resource is back; the deleted one stays gone.
	want.RevertDrift = rep.DetectionID
	rs = e.syncToEnd(t, want)
	last := rs[len(rs)-1]
	if !last.DriftReverted || last.Phase != stack.PhaseConverged || last.StackStatus != "UPDATE_COMPLETE" {
		t.Fatalf("revert: %v, last %+v", actionsOf(rs), last)
	}
	if again := e.syncOnce(t, want); !again.DriftReverted || again.Action != stack.ActionNone {
		t.Fatalf("revert once more: %+v", again)
	}
	rep = e.detectToEnd(t)
	if len(rep.Resources) != 1 || rep.Resources[0].LogicalID != "Cluster" {
		t.Fatalf("after the revert: %+v", rep)
	}

	// A revert with nothing it can change ends at once, without an update: the one execution is the first revert.
	want.RevertDrift = rep.DetectionID
	rs = e.syncToEnd(t, want)
	if last := rs[len(rs)-1]; !last.DriftReverted || last.StackStatus != "UPDATE_COMPLETE" || e.calls("ExecuteChangeSet") != 1 {
		t.Fatalf("revert of a deleted resource: %v, last %+v, executions %d", actionsOf(rs), last, e.calls("ExecuteChangeSet"))
	}
}

func TestDetectDriftWaitsForAStableStack(t *testing.T) {
	e := newLocalEnv(t, true)
	e.syncToEnd(t, desired(1))
	next := desired(2)
	for e.status(t) != "UPDATE_IN_PROGRESS" {
		e.release(t)
		e.syncOnce(t, next)
		e.settle(t)
	}
	rep, err := e.d.DetectDrift(context.Background(), "shop-web")
	if err != nil || rep.DetectionID != "" || rep.RequeueAfter <= 0 {
		t.Fatalf("DetectDrift during an update = %+v, %v; want none started, and a look later", rep, err)
	}
	if n := e.calls("DetectStackDrift"); n != 0 {
		t.Fatalf("DetectStackDrift called %d times during an update", n)
	}
}

// TestRevertDriftRolledBack: a correction that fails is rolled back; the stack runs the spec again, so later
// Syncs converge without retrying it, and only a correction of a new detection runs another change set.
func TestRevertDriftRolledBack(t *testing.T) {
	e := newLocalEnv(t, true)
	want := desired(1)
	rs := e.syncToEnd(t, want)
	want.LastAppliedDigest = rs[len(rs)-1].Digest
	if err := e.srv.DriftResource(cfnlocal.ResourceDrift{StackName: "shop-web", LogicalResourceID: "TaskDefinition", Properties: map[string]any{"Memory": "2048"}}); err != nil {
		t.Fatal(err)
	}
	e.fault(t, cfnlocal.ResourceFault{LogicalResourceID: "TaskDefinition", Operation: "UPDATE", Reason: "no", Times: 1})
	want.RevertDrift = e.detectToEnd(t).DetectionID
	rs = e.syncToEnd(t, want)
	last := rs[len(rs)-1]
	if last.DriftReverted || last.Phase != stack.PhaseConverged || last.StackStatus != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("failed revert: %v, last %+v", actionsOf(rs), last)
	}

	before := e.calls("CreateChangeSet")
	for _, token := range []string{want.RevertDrift, ""} {
		want.RevertDrift = token
		if res := e.syncOnce(t, want); res.Phase != stack.PhaseConverged || res.DriftReverted || e.calls("CreateChangeSet") != before {
			t.Fatalf("sync after the failed revert (RevertDrift %q): %+v, %d change sets made", token, res, e.calls("CreateChangeSet")-before)
		}
	}

	want.RevertDrift = e.detectToEnd(t).DetectionID
	rs = e.syncToEnd(t, want)
	if last := rs[len(rs)-1]; !last.DriftReverted || last.StackStatus != "UPDATE_COMPLETE" {
		t.Fatalf("second revert: %v, last %+v", actionsOf(rs), last)
	}
	if rep := e.detectToEnd(t); rep.StackDriftStatus != "IN_SYNC" {
		t.Fatalf("after the second revert: %+v", rep)
	}
}
