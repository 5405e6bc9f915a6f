package stack_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/composestack/composestack/internal/awsclient"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
	"github.com/composestack/composestack/internal/stack/mototest"
)

// The tests in this file run the driver through the real SDK against cfnlocal, the repository's own local
// CloudFormation, which (unlike moto) runs operations asynchronously and rolls back: the failure paths go
// over the wire too. Between two calls the test waits until cfnlocal is idle, so each call sees a settled
// status.

type localEnv struct {
	srv *cfnlocal.Server
	d   *stack.Driver
}

// localServer starts a cfnlocal server with opts for the test, and the SDK clients the manager would build for
// it (package awsclient), with no retries so every answer is seen.
func localServer(t *testing.T, opts cfnlocal.Options) (*cfnlocal.Server, *awsclient.Clients) {
	t.Helper()
	srv, err := cfnlocal.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	cl, err := awsclient.New(awsclient.Options{
		Endpoint: srv.URL(), Credentials: mototest.Credentials, RetryMaxAttempts: 1,
		HTTPClient: cfnlocal.HTTPClient(),
	}).Clients(context.Background(), "us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	return srv, cl
}

func newLocalEnv(t *testing.T) *localEnv {
	t.Helper()
	srv, cl := localServer(t, cfnlocal.Options{})
	return &localEnv{srv: srv, d: stack.NewDriver(cl.CloudFormation, cl.S3, stack.Options{Region: "us-east-1"})}
}

func (e *localEnv) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.srv.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

func (e *localEnv) sync(t *testing.T, want stack.Desired) []stack.Result {
	t.Helper()
	return untilPhase(t, 20, func() stack.Result {
		e.idle(t)
		res, err := e.d.Sync(context.Background(), want)
		if err != nil {
			t.Fatalf("Sync: %v", err)
		}
		return res
	}, stack.PhaseConverged, stack.PhaseFailed)
}

func (e *localEnv) delete(t *testing.T) []stack.Result {
	t.Helper()
	return untilPhase(t, 20, func() stack.Result {
		e.idle(t)
		res, err := e.d.Delete(context.Background(), "shop-web", motoOwner)
		if err != nil {
			t.Fatalf("Delete: %v", err)
		}
		return res
	}, stack.PhaseDeleted, stack.PhaseFailed)
}

// untilPhase calls step, at most max times, until a result is in one of phases, and returns every result.
func untilPhase(t *testing.T, max int, step func() stack.Result, phases ...stack.Phase) []stack.Result {
	t.Helper()
	var out []stack.Result
	for range max {
		res := step()
		out = append(out, res)
		if slices.Contains(phases, res.Phase) {
			return out
		}
	}
	t.Fatalf("no end: %v", actionsOf(out))
	return nil
}

func TestLocalCreateFailureAndRecreate(t *testing.T) {
	e := newLocalEnv(t)
	if err := e.srv.AddResourceFault(cfnlocal.ResourceFault{LogicalResourceID: "WebService", Operation: "CREATE", Reason: "subnet missing"}); err != nil {
		t.Fatal(err)
	}
	v1 := motoDesired(t, "app-v1.json")
	rs := e.sync(t, v1)
	last := rs[len(rs)-1]
	if last.Phase != stack.PhaseFailed || last.StackStatus != "ROLLBACK_COMPLETE" {
		t.Fatalf("%v, last %+v", actionsOf(rs), last)
	}
	if len(last.FailedResources) != 1 || last.FailedResources[0].LogicalID != "WebService" || last.FailedResources[0].Reason != "subnet missing" {
		t.Fatalf("root cause = %+v", last.FailedResources)
	}
	e.srv.ClearFaults()
	rs = e.sync(t, motoDesired(t, "app-v2.json"))
	if rs[0].Action != stack.ActionDeleteStack || rs[len(rs)-1].Phase != stack.PhaseConverged || rs[len(rs)-1].StackStatus != "CREATE_COMPLETE" {
		t.Fatalf("recreate: %v, last %+v", actionsOf(rs), rs[len(rs)-1])
	}
}

func TestLocalUpdateRollbacks(t *testing.T) {
	e := newLocalEnv(t)
	v1 := motoDesired(t, "app-v1.json")
	rs := e.sync(t, v1)
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
	rs = e.sync(t, v2)
	last := rs[len(rs)-1]
	if last.StackStatus != "UPDATE_ROLLBACK_FAILED" || last.Action != stack.ActionContinueUpdateRollback || last.Phase != stack.PhaseFailed {
		t.Fatalf("%v, last %+v", actionsOf(rs), last)
	}
	if len(last.FailedResources) == 0 || last.FailedResources[0].Reason != "service did not stabilize" {
		t.Fatalf("root cause = %+v", last.FailedResources)
	}
	// The continued rollback completes; the same spec waits for the backoff.
	e.idle(t)
	res, err := e.d.Sync(context.Background(), v2)
	if err != nil || res.StackStatus != "UPDATE_ROLLBACK_COMPLETE" || res.Phase != stack.PhaseFailed || res.Action != stack.ActionNone {
		t.Fatalf("after the rollback: %+v, %v", res, err)
	}
	// A new spec goes ahead at once.
	v3 := motoDesired(t, "app-v2.json")
	v3.Parameters = []stack.Parameter{{Key: "Image", Value: "nginx:1.28"}}
	rs = e.sync(t, v3)
	if last := rs[len(rs)-1]; last.Phase != stack.PhaseConverged || last.StackStatus != "UPDATE_COMPLETE" {
		t.Fatalf("new spec: %v, last %+v", actionsOf(rs), last)
	}
}

func TestLocalDeleteFailure(t *testing.T) {
	e := newLocalEnv(t)
	e.sync(t, motoDesired(t, "app-v1.json"))
	if err := e.srv.AddResourceFault(cfnlocal.ResourceFault{LogicalResourceID: "Cluster", Operation: "DELETE", Reason: "services are active"}); err != nil {
		t.Fatal(err)
	}
	rs := e.delete(t)
	last := rs[len(rs)-1]
	if last.Phase != stack.PhaseFailed || last.StackStatus != "DELETE_FAILED" || len(last.FailedResources) != 1 || last.FailedResources[0].LogicalID != "Cluster" {
		t.Fatalf("%v, last %+v", actionsOf(rs), last)
	}
}

func TestLocalThrottling(t *testing.T) {
	e := newLocalEnv(t)
	if err := e.srv.AddAPIFault(cfnlocal.APIFault{Operation: "DescribeStacks", Kind: cfnlocal.FaultThrottle, Times: 1}); err != nil {
		t.Fatal(err)
	}
	res, err := e.d.Sync(context.Background(), motoDesired(t, "app-v1.json"))
	if err != nil || !res.Throttled || res.Phase != stack.PhaseInProgress || res.RequeueAfter < 15*time.Second {
		t.Fatalf("Sync = %+v, %v", res, err)
	}
	if rs := e.sync(t, motoDesired(t, "app-v1.json")); rs[len(rs)-1].Phase != stack.PhaseConverged {
		t.Fatalf("after throttling: %v", actionsOf(rs))
	}
}

// TestLocalLostResponses loses the answer to each call that changes something: the call took effect, the
// driver saw an error, and the next call must carry on from what CloudFormation holds without doing it twice.
func TestLocalLostResponses(t *testing.T) {
	for _, op := range []string{"CreateChangeSet", "ExecuteChangeSet"} {
		t.Run(op, func(t *testing.T) {
			e := newLocalEnv(t)
			if err := e.srv.AddAPIFault(cfnlocal.APIFault{Operation: op, Kind: cfnlocal.FaultDropResponse, Times: 1}); err != nil {
				t.Fatal(err)
			}
			want := motoDesired(t, "app-v1.json")
			var failed, converged bool
			for range 20 {
				e.idle(t)
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
