package stack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
)

func TestDeleteOwnStack(t *testing.T) {
	e := newLocalEnv(t, false)
	e.syncToEnd(t, desired(1))
	rs := e.deleteToEnd(t)
	if rs[0].Action != stack.ActionDeleteStack || rs[len(rs)-1].Phase != stack.PhaseDeleted {
		t.Fatalf("results = %+v", rs)
	}
	if s := e.status(t); s != "" || e.calls("DeleteStack") != 1 {
		t.Errorf("status %q, DeleteStack calls %d", s, e.calls("DeleteStack"))
	}
}

func TestDeleteMissingStack(t *testing.T) {
	e := newLocalEnv(t, false)
	res, err := e.d.Delete(context.Background(), "nothing", motoOwner)
	if err != nil || res.Phase != stack.PhaseDeleted || e.calls("DeleteStack") != 0 {
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
			e := newLocalEnv(t, false)
			e.seed(t, "shop-web", tags)
			_, err := e.d.Delete(context.Background(), "shop-web", motoOwner)
			if terminalReason(err) != csv1.ReasonOwnershipConflict || !strings.Contains(err.Error(), "not deleted") {
				t.Fatalf("err = %v", err)
			}
			e.settle(t)
			if e.calls("DeleteStack") != 0 || e.status(t) != cftypes.StackStatusCreateComplete {
				t.Error("deleted a stack it does not own")
			}
		})
	}
}

func TestDeleteFailedReportsAndRetriesAfterBackoff(t *testing.T) {
	e := newLocalEnv(t, false)
	e.syncToEnd(t, desired(1))
	e.fault(t, cfnlocal.ResourceFault{LogicalResourceID: "Cluster", Operation: "DELETE", Reason: "The Cluster cannot be deleted while Services are active."})
	rs := e.deleteToEnd(t)
	last := rs[len(rs)-1]
	if last.Phase != stack.PhaseFailed || last.StackStatus != "DELETE_FAILED" {
		t.Fatalf("last = %+v", last)
	}
	if len(last.FailedResources) != 1 || last.FailedResources[0].LogicalID != "Cluster" || last.FailedResources[0].Status != "DELETE_FAILED" {
		t.Fatalf("failed resources = %+v", last.FailedResources)
	}
	if !requeuedAfter(last.RequeueAfter, 5*time.Minute+75*time.Second) {
		t.Errorf("requeue = %v", last.RequeueAfter)
	}
	e.later = 2 * time.Minute
	if res, err := e.d.Delete(context.Background(), "shop-web", motoOwner); err != nil || res.Action != stack.ActionNone || e.calls("DeleteStack") != 1 {
		t.Fatalf("within backoff: %+v, %v", res, err)
	}
	e.later = 6 * time.Minute
	e.srv.ClearFaults()
	rs = e.deleteToEnd(t)
	if rs[0].Action != stack.ActionDeleteStack || rs[len(rs)-1].Phase != stack.PhaseDeleted || e.calls("DeleteStack") != 2 {
		t.Fatalf("retry = %+v", rs)
	}
}

// TestBackoffWithoutEvents counts the backoff from the stack's own timestamps when its events say nothing.
func TestBackoffWithoutEvents(t *testing.T) {
	e := newLocalEnv(t, false)
	e.syncToEnd(t, desired(1))
	e.fault(t, cfnlocal.ResourceFault{LogicalResourceID: "Cluster", Operation: "DELETE", Reason: "services are active"})
	if rs := e.deleteToEnd(t); rs[len(rs)-1].StackStatus != "DELETE_FAILED" {
		t.Fatalf("setup: %v", actionsOf(rs))
	}
	e.d = e.driver(withoutEvents{e.cf}, stack.Options{})
	e.later = time.Minute
	res, err := e.d.Delete(context.Background(), "shop-web", motoOwner)
	if err != nil || res.Phase != stack.PhaseFailed || !requeuedAfter(res.RequeueAfter, 4*time.Minute+time.Minute) { // 4m left, plus a quarter of jitter
		t.Fatalf("within the backoff: %+v, %v", res, err)
	}
	e.later = 5 * time.Minute
	res, err = e.d.Delete(context.Background(), "shop-web", motoOwner)
	if err != nil || res.Action != stack.ActionDeleteStack {
		t.Fatalf("after the backoff: %+v, %v", res, err)
	}
}

func TestDeleteTerminationProtection(t *testing.T) {
	e := newLocalEnv(t, false)
	e.syncToEnd(t, desired(1))
	if _, err := e.cf.UpdateTerminationProtection(context.Background(), &cloudformation.UpdateTerminationProtectionInput{
		StackName: aws.String("shop-web"), EnableTerminationProtection: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.d.Delete(context.Background(), "shop-web", motoOwner)
	if terminalReason(err) != csv1.ReasonDeleteFailed || !strings.Contains(err.Error(), "termination protection") {
		t.Fatalf("err = %v", err)
	}
}

func TestDeleteWaitsForRunningOperation(t *testing.T) {
	e := newLocalEnv(t, true)
	e.reach(t, cftypes.StackStatusCreateInProgress, func() { e.syncOnce(t, desired(1)) })
	res, err := e.d.Delete(context.Background(), "shop-web", motoOwner)
	if err != nil || res.Phase != stack.PhaseInProgress || res.Action != stack.ActionNone || e.calls("DeleteStack") != 0 {
		t.Fatalf("Delete during creation = %+v, %v", res, err)
	}
	if rs := e.deleteToEnd(t); rs[len(rs)-1].Phase != stack.PhaseDeleted {
		t.Fatalf("%+v", rs)
	}
}

func TestDeleteThrottled(t *testing.T) {
	e := newLocalEnv(t, false)
	e.apiFault(t, cfnlocal.APIFault{Operation: "DescribeStacks", Kind: cfnlocal.FaultThrottle, Times: 1})
	res, err := e.d.Delete(context.Background(), "shop-web", motoOwner)
	if err != nil || !res.Throttled || res.Phase != stack.PhaseInProgress {
		t.Fatalf("Delete = %+v, %v", res, err)
	}
}

// withoutEvents answers DescribeStackEvents with no events, as for a stack whose history was lost.
type withoutEvents struct{ stack.CloudFormationAPI }

func (withoutEvents) DescribeStackEvents(context.Context, *cloudformation.DescribeStackEventsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	return &cloudformation.DescribeStackEventsOutput{}, nil
}
