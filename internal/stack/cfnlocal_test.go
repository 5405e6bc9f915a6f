package stack_test

import (
	"context"
	"testing"

	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
)

// The tests in this file run whole scenarios, from the fixtures the moto tests use, through cfnlocal.

func TestLocalCreateFailureAndRecreate(t *testing.T) {
	e := newLocalEnv(t, false)
	if err := e.srv.AddResourceFault(cfnlocal.ResourceFault{LogicalResourceID: "WebService", Operation: "CREATE", Reason: "subnet missing"}); err != nil {
		t.Fatal(err)
	}
	v1 := motoDesired(t, "app-v1.json")
	rs := e.syncToEnd(t, v1)
	last := rs[len(rs)-1]
	if last.Phase != stack.PhaseFailed || last.StackStatus != "ROLLBACK_COMPLETE" {
		t.Fatalf("%v, last %+v", actionsOf(rs), last)
	}
	if len(last.FailedResources) != 1 || last.FailedResources[0].LogicalID != "WebService" || last.FailedResources[0].Reason != "subnet missing" {
		t.Fatalf("root cause = %+v", last.FailedResources)
	}
	e.srv.ClearFaults()
	rs = e.syncToEnd(t, motoDesired(t, "app-v2.json"))
	if rs[0].Action != stack.ActionDeleteStack || rs[len(rs)-1].Phase != stack.PhaseConverged || rs[len(rs)-1].StackStatus != "CREATE_COMPLETE" {
		t.Fatalf("recreate: %v, last %+v", actionsOf(rs), rs[len(rs)-1])
	}
}

func TestLocalUpdateRollbacks(t *testing.T) {
	e := newLocalEnv(t, false)
	v1 := motoDesired(t, "app-v1.json")
	rs := e.syncToEnd(t, v1)
	if last := rs[len(rs)-1]; last.Phase != stack.PhaseConverged || last.Outputs == nil {
		t.Fatalf("create: %+v", last)
	}
	// The update fails and so does its rollback.
	for _, f := range []cfnlocal.ResourceFault{
		{LogicalResourceID: "WebService", Operation: "UPDATE", Reason: "service did not stabilize", Times: 1},
		{LogicalResourceID: "WebService", DuringRollback: true, Reason: "rollback failed", Times: 1},
	} {
		if err := e.srv.AddResourceFault(f); err != nil {
			t.Fatal(err)
		}
	}
	v2 := motoDesired(t, "app-v2.json")
	v2.LastAppliedDigest = rs[len(rs)-1].Digest
	rs = e.syncToEnd(t, v2)
	last := rs[len(rs)-1]
	if last.StackStatus != "UPDATE_ROLLBACK_FAILED" || last.Action != stack.ActionContinueUpdateRollback || last.Phase != stack.PhaseFailed {
		t.Fatalf("%v, last %+v", actionsOf(rs), last)
	}
	if len(last.FailedResources) == 0 || last.FailedResources[0].Reason != "service did not stabilize" {
		t.Fatalf("root cause = %+v", last.FailedResources)
	}
	// The continued rollback completes; the same spec waits for the backoff.
	e.settle(t)
	res, err := e.d.Sync(context.Background(), v2)
	if err != nil || res.StackStatus != "UPDATE_ROLLBACK_COMPLETE" || res.Phase != stack.PhaseFailed || res.Action != stack.ActionNone {
		t.Fatalf("after the rollback: %+v, %v", res, err)
	}
	// A new spec goes ahead at once.
	v3 := motoDesired(t, "app-v2.json")
	v3.Parameters = []stack.Parameter{{Key: "Image", Value: "nginx:1.28"}}
	rs = e.syncToEnd(t, v3)
	if last := rs[len(rs)-1]; last.Phase != stack.PhaseConverged || last.StackStatus != "UPDATE_COMPLETE" {
		t.Fatalf("new spec: %v, last %+v", actionsOf(rs), last)
	}
}

func TestLocalDeleteFailure(t *testing.T) {
	e := newLocalEnv(t, false)
	e.syncToEnd(t, motoDesired(t, "app-v1.json"))
	if err := e.srv.AddResourceFault(cfnlocal.ResourceFault{LogicalResourceID: "Cluster", Operation: "DELETE", Reason: "services are active"}); err != nil {
		t.Fatal(err)
	}
	rs := e.deleteToEnd(t)
	last := rs[len(rs)-1]
	if last.Phase != stack.PhaseFailed || last.StackStatus != "DELETE_FAILED" || len(last.FailedResources) != 1 || last.FailedResources[0].LogicalID != "Cluster" {
		t.Fatalf("%v, last %+v", actionsOf(rs), last)
	}
}

// TestLocalLostResponses loses the answer to each call that changes something: the call took effect, the
// driver saw an error, and the next call must carry on from what CloudFormation holds without doing it twice.
func TestLocalLostResponses(t *testing.T) {
	for _, op := range []string{"CreateStack", "CreateChangeSet", "ExecuteChangeSet"} {
		t.Run(op, func(t *testing.T) {
			e := newLocalEnv(t, false)
			want := motoDesired(t, "app-v1.json")
			if op != "CreateStack" {
				// Change sets are made for updates.
				rs := e.syncToEnd(t, want)
				want = motoDesired(t, "app-v2.json")
				want.LastAppliedDigest = rs[len(rs)-1].Digest
			}
			if err := e.srv.AddAPIFault(cfnlocal.APIFault{Operation: op, Kind: cfnlocal.FaultDropResponse, Times: 1}); err != nil {
				t.Fatal(err)
			}
			var failed, converged bool
			for range 20 {
				e.settle(t)
				res, err := e.d.Sync(context.Background(), want)
				if err != nil {
					if failed || stack.IsTerminal(err) {
						t.Fatalf("second error: %v", err)
					}
					failed = true
					continue
				}
				if res.Phase == stack.PhaseConverged {
					converged = true
					break
				}
			}
			if !failed || !converged {
				t.Fatalf("lost response noticed: %v, converged: %v", failed, converged)
			}
			if n := e.srv.Calls()[op]; n != 1 {
				t.Fatalf("%s called %d times, want 1; calls %v", op, n, e.srv.Calls())
			}
		})
	}
}
