package stack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// deleteAll calls Delete until the stack is gone or the deletion fails.
func deleteAll(t *testing.T, d *Driver, name string, o Owner) ([]Result, error) {
	t.Helper()
	var out []Result
	for range 20 {
		res, err := d.Delete(context.Background(), name, o)
		if err != nil {
			return out, err
		}
		out = append(out, res)
		if res.Phase == PhaseDeleted || res.Phase == PhaseFailed {
			return out, nil
		}
	}
	t.Fatalf("no end: %+v", out)
	return out, nil
}

func TestDeleteOwnStack(t *testing.T) {
	e := newEnv(t)
	if _, err := converge(t, e.d, desired(1), 20); err != nil {
		t.Fatal(err)
	}
	rs, err := deleteAll(t, e.d, "shop-web", owner)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Action != ActionDeleteStack || rs[len(rs)-1].Phase != PhaseDeleted {
		t.Fatalf("results = %+v", rs)
	}
	if e.cf.Status("shop-web") != "" || e.cf.Calls("DeleteStack") != 1 {
		t.Errorf("status %q, DeleteStack calls %d", e.cf.Status("shop-web"), e.cf.Calls("DeleteStack"))
	}
}

func TestDeleteMissingStack(t *testing.T) {
	e := newEnv(t)
	res, err := e.d.Delete(context.Background(), "nothing", owner)
	if err != nil || res.Phase != PhaseDeleted || e.cf.Calls("DeleteStack") != 0 {
		t.Fatalf("Delete = %+v, %v", res, err)
	}
}

func TestDeleteRefusesStacksOfOthers(t *testing.T) {
	for name, tags := range map[string]map[string]string{
		"other owner":    {csv1.TagOwnerUID: "uid-2"},
		"docker compose": {csv1.TagDockerComposeProject: "shop"},
		"untagged":       nil,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.cf.Seed(stackfakeSeed("shop-web", types.StackStatusCreateComplete, tags, string(template(1))))
			_, err := e.d.Delete(context.Background(), "shop-web", owner)
			if terminalReason(err) != csv1.ReasonOwnershipConflict || !strings.Contains(err.Error(), "not deleted") {
				t.Fatalf("err = %v", err)
			}
			if e.cf.Calls("DeleteStack") != 0 || e.cf.Status("shop-web") != types.StackStatusCreateComplete {
				t.Error("deleted a stack it does not own")
			}
		})
	}
}

func TestDeleteFailedReportsAndRetriesAfterBackoff(t *testing.T) {
	e := newEnv(t)
	if _, err := converge(t, e.d, desired(1), 20); err != nil {
		t.Fatal(err)
	}
	e.cf.FailDelete("Cluster", "The Cluster cannot be deleted while Services are active.")
	rs, err := deleteAll(t, e.d, "shop-web", owner)
	if err != nil {
		t.Fatal(err)
	}
	last := rs[len(rs)-1]
	if last.Phase != PhaseFailed || last.StackStatus != "DELETE_FAILED" {
		t.Fatalf("last = %+v", last)
	}
	if len(last.FailedResources) != 1 || last.FailedResources[0].LogicalID != "Cluster" || last.FailedResources[0].Status != "DELETE_FAILED" {
		t.Fatalf("failed resources = %+v", last.FailedResources)
	}
	if last.RequeueAfter != 5*time.Minute+75*time.Second {
		t.Errorf("requeue = %v", last.RequeueAfter)
	}
	e.clock.Add(2 * time.Minute)
	if res, err := e.d.Delete(context.Background(), "shop-web", owner); err != nil || res.Action != ActionNone || e.cf.Calls("DeleteStack") != 1 {
		t.Fatalf("within backoff: %+v, %v", res, err)
	}
	e.clock.Add(4 * time.Minute)
	e.cf.ClearFailures()
	rs, err = deleteAll(t, e.d, "shop-web", owner)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Action != ActionDeleteStack || rs[len(rs)-1].Phase != PhaseDeleted || e.cf.Calls("DeleteStack") != 2 {
		t.Fatalf("retry = %+v", rs)
	}
}

func TestDeleteTerminationProtection(t *testing.T) {
	e := newEnv(t)
	if _, err := converge(t, e.d, desired(1), 20); err != nil {
		t.Fatal(err)
	}
	e.cf.Protect("shop-web")
	_, err := e.d.Delete(context.Background(), "shop-web", owner)
	if terminalReason(err) != csv1.ReasonDeleteFailed || !strings.Contains(err.Error(), "termination protection") {
		t.Fatalf("err = %v", err)
	}
}

func TestDeleteWaitsForRunningOperation(t *testing.T) {
	e := newEnv(t)
	e.cf.ManualAdvance = true
	for {
		if _, err := e.d.Sync(context.Background(), desired(1)); err != nil {
			t.Fatal(err)
		}
		if e.cf.Calls("ExecuteChangeSet") > 0 {
			break
		}
		e.cf.Advance()
	}
	if e.cf.Status("shop-web") != types.StackStatusCreateInProgress {
		t.Fatalf("setup: stack is %s", e.cf.Status("shop-web"))
	}
	res, err := e.d.Delete(context.Background(), "shop-web", owner)
	if err != nil || res.Phase != PhaseInProgress || res.Action != ActionNone || e.cf.Calls("DeleteStack") != 0 {
		t.Fatalf("Delete during creation = %+v, %v", res, err)
	}
	e.cf.Settle()
	e.cf.ManualAdvance = false
	if rs, err := deleteAll(t, e.d, "shop-web", owner); err != nil || rs[len(rs)-1].Phase != PhaseDeleted {
		t.Fatalf("%+v, %v", rs, err)
	}
}

func TestDeleteThrottled(t *testing.T) {
	e := newEnv(t)
	e.cf.Throttle("DescribeStacks", 1)
	res, err := e.d.Delete(context.Background(), "shop-web", owner)
	if err != nil || !res.Throttled || res.Phase != PhaseInProgress {
		t.Fatalf("Delete = %+v, %v", res, err)
	}
}
