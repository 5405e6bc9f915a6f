package cfnlocal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// threeTopics has three independent resources and one that depends on A.
const threeTopics = `
Resources:
  A: {Type: AWS::SNS::Topic, Properties: {TopicName: a}}
  B: {Type: AWS::SNS::Topic, Properties: {TopicName: b}}
  C: {Type: AWS::SNS::Topic, Properties: {TopicName: c}}
  D: {Type: AWS::SNS::Topic, Properties: {TopicName: !Ref A}}
`

func since(evs []string, marker string) []string {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i] == marker {
			return evs[i:]
		}
	}
	return nil
}

func mustFault(t *testing.T, s *Server, f ResourceFault) {
	t.Helper()
	if err := s.AddResourceFault(f); err != nil {
		t.Fatal(err)
	}
}

func TestCreateFailureRollsBack(t *testing.T) {
	e := newEnv(t, Options{})
	mustFault(t, e.srv, ResourceFault{LogicalResourceID: "B", Operation: "CREATE", Times: 1, Reason: "boom"})
	csID := e.changeSet(t, "s", "cs1", cfntypes.ChangeSetTypeCreate, threeTopics, nil)
	e.execute(t, csID)
	st := e.stack(t, "s")
	if st.StackStatus != cfntypes.StackStatusRollbackComplete {
		t.Fatalf("status %s", st.StackStatus)
	}
	if got := aws.ToString(st.StackStatusReason); got != "" {
		t.Errorf("final reason %q", got)
	}
	equalLines(t, e.events(t, "s"), []string{
		"s REVIEW_IN_PROGRESS", "s CREATE_IN_PROGRESS",
		"A CREATE_IN_PROGRESS", "B CREATE_IN_PROGRESS", "C CREATE_IN_PROGRESS",
		"A CREATE_COMPLETE", "B CREATE_FAILED (boom)", "C CREATE_FAILED (Resource creation cancelled)",
		"s ROLLBACK_IN_PROGRESS (The following resource(s) failed to create: [B]. Rollback requested by user.)",
		"C DELETE_COMPLETE", "B DELETE_COMPLETE",
		"A DELETE_IN_PROGRESS", "A DELETE_COMPLETE",
		"s ROLLBACK_COMPLETE",
	})
	cs, err := e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(csID)})
	if err != nil || cs.ExecutionStatus != cfntypes.ExecutionStatusExecuteFailed {
		t.Errorf("change set after failed execute: %v %s", err, cs.ExecutionStatus)
	}
	_, err = e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("u"), TemplateBody: aws.String(threeTopics)})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "is in ROLLBACK_COMPLETE state and can not be updated.")
	if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if _, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("s")}); err == nil {
		t.Error("stack still visible by name after delete")
	}
}

func TestCreateStackOnFailureModes(t *testing.T) {
	e := newEnv(t, Options{})
	mustFault(t, e.srv, ResourceFault{LogicalResourceID: "A", Operation: "CREATE"})
	if _, err := e.cfn.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String("keep"), TemplateBody: aws.String(threeTopics), DisableRollback: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	out, err := e.cfn.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String("gone"), TemplateBody: aws.String(threeTopics), OnFailure: cfntypes.OnFailureDelete})
	if err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	st := e.stack(t, "keep")
	if st.StackStatus != cfntypes.StackStatusCreateFailed || !strings.Contains(aws.ToString(st.StackStatusReason), "failed to create: [A]") {
		t.Errorf("DisableRollback: %s %q", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	gone, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: out.StackId})
	if err != nil || gone.Stacks[0].StackStatus != cfntypes.StackStatusDeleteComplete {
		t.Fatalf("OnFailure DELETE: %v", err)
	}
	evs := e.events(t, aws.ToString(out.StackId))
	equalLines(t, evs[len(evs)-3:], []string{"gone ROLLBACK_COMPLETE", "gone DELETE_IN_PROGRESS", "gone DELETE_COMPLETE"})
}

const twoQueues = `
Parameters:
  Size: {Type: Number, Default: 1}
Resources:
  A: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: !Ref Size}}
  B: {Type: AWS::SQS::Queue, Properties: {DelaySeconds: !Ref Size}}
Outputs:
  Size: {Value: !Ref Size}
`

func withC(s string) string {
	return strings.Replace(s, "Outputs:", "  C: {Type: AWS::SQS::Queue}\nOutputs:", 1)
}

func TestUpdateFailureRollsBack(t *testing.T) {
	e := newEnv(t, Options{})
	e.deploy(t, "s", twoQueues, nil)
	mustFault(t, e.srv, ResourceFault{LogicalResourceID: "B", Operation: "UPDATE", Times: 1, Reason: "bad update"})
	csID := e.changeSet(t, "s", "cs2", cfntypes.ChangeSetTypeUpdate, withC(twoQueues), map[string]string{"Size": "5"})
	e.execute(t, csID)
	st := e.stack(t, "s")
	if st.StackStatus != cfntypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("status %s %q", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	equalLines(t, since(e.events(t, "s"), "s UPDATE_IN_PROGRESS"), []string{
		"s UPDATE_IN_PROGRESS",
		"A UPDATE_IN_PROGRESS", "B UPDATE_IN_PROGRESS", "C CREATE_IN_PROGRESS",
		"A UPDATE_COMPLETE", "B UPDATE_FAILED (bad update)", "C CREATE_FAILED (Resource creation cancelled)",
		"s UPDATE_ROLLBACK_IN_PROGRESS (The following resource(s) failed to update: [B]. )",
		"A UPDATE_IN_PROGRESS", "A UPDATE_COMPLETE",
		"B UPDATE_IN_PROGRESS", "B UPDATE_COMPLETE",
		"s UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
		"C DELETE_COMPLETE",
		"s UPDATE_ROLLBACK_COMPLETE",
	})
	// The previous template, parameters and outputs are back.
	if v := aws.ToString(st.Parameters[0].ParameterValue); v != "1" {
		t.Errorf("parameter after rollback = %s, want 1", v)
	}
	if v := aws.ToString(st.Outputs[0].OutputValue); v != "1" {
		t.Errorf("output after rollback = %s, want 1", v)
	}
	tpl, err := e.cfn.GetTemplate(e.ctx, &cloudformation.GetTemplateInput{StackName: aws.String("s")})
	if err != nil || aws.ToString(tpl.TemplateBody) != twoQueues {
		t.Errorf("template after rollback is not the previous one (%v)", err)
	}
	res, _ := e.cfn.ListStackResources(e.ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String("s")})
	if len(res.StackResourceSummaries) != 2 {
		t.Errorf("resources after rollback: %d, want 2", len(res.StackResourceSummaries))
	}
	// A stack in UPDATE_ROLLBACK_COMPLETE can be updated again.
	csID = e.changeSet(t, "s", "cs3", cfntypes.ChangeSetTypeUpdate, twoQueues, map[string]string{"Size": "5"})
	e.execute(t, csID)
	if st := e.stack(t, "s"); st.StackStatus != cfntypes.StackStatusUpdateComplete {
		t.Errorf("retry update: %s", st.StackStatus)
	}
}

func TestUpdateRollbackFailedThenContinue(t *testing.T) {
	for _, skip := range []bool{false, true} {
		t.Run(map[bool]string{false: "retry", true: "skip"}[skip], func(t *testing.T) {
			e := newEnv(t, Options{})
			e.deploy(t, "s", twoQueues, nil)
			times := 2 // the update and its rollback fail, the retry succeeds
			if skip {
				times = 0 // B can never be rolled back: skip it
			}
			mustFault(t, e.srv, ResourceFault{StackName: "s", LogicalResourceID: "B", Operation: "UPDATE", Times: times, Reason: "stuck"})
			e.execute(t, e.changeSet(t, "s", "cs2", cfntypes.ChangeSetTypeUpdate, withC(twoQueues), map[string]string{"Size": "5"}))
			st := e.stack(t, "s")
			if st.StackStatus != cfntypes.StackStatusUpdateRollbackFailed || aws.ToString(st.StackStatusReason) != "The following resource(s) failed to update: [B]. " {
				t.Fatalf("status %s %q", st.StackStatus, aws.ToString(st.StackStatusReason))
			}
			_, err := e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("x"), UsePreviousTemplate: aws.Bool(true)})
			apiErr(t, err, "ValidationError", http.StatusBadRequest, "is in UPDATE_ROLLBACK_FAILED state and can not be updated.")
			_, err = e.cfn.ContinueUpdateRollback(e.ctx, &cloudformation.ContinueUpdateRollbackInput{StackName: aws.String("s"), ResourcesToSkip: []string{"A"}})
			apiErr(t, err, "ValidationError", http.StatusBadRequest, "Resource [A]")

			in := &cloudformation.ContinueUpdateRollbackInput{StackName: aws.String("s")}
			if skip {
				in.ResourcesToSkip = []string{"B"}
			}
			if _, err := e.cfn.ContinueUpdateRollback(e.ctx, in); err != nil {
				t.Fatal(err)
			}
			e.idle(t)
			st = e.stack(t, "s")
			if st.StackStatus != cfntypes.StackStatusUpdateRollbackComplete {
				t.Fatalf("after ContinueUpdateRollback: %s %q", st.StackStatus, aws.ToString(st.StackStatusReason))
			}
			b := "B UPDATE_IN_PROGRESS"
			bDone := "B UPDATE_COMPLETE"
			want := []string{"s UPDATE_ROLLBACK_IN_PROGRESS", b, bDone}
			if skip {
				want = []string{"s UPDATE_ROLLBACK_IN_PROGRESS", "B UPDATE_COMPLETE (Resource skipped during UPDATE_ROLLBACK)"}
			}
			want = append(want, "s UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "C DELETE_COMPLETE", "s UPDATE_ROLLBACK_COMPLETE")
			equalLines(t, since(e.events(t, "s"), "s UPDATE_ROLLBACK_IN_PROGRESS"), want)
			_, err = e.cfn.ContinueUpdateRollback(e.ctx, &cloudformation.ContinueUpdateRollbackInput{StackName: aws.String("s")})
			apiErr(t, err, "ValidationError", http.StatusBadRequest, "is in UPDATE_ROLLBACK_COMPLETE state and can not continue update rollback.")
		})
	}
}

func TestDeleteFailureAndRetain(t *testing.T) {
	e := newEnv(t, Options{})
	tpl := threeTopics + "  R: {Type: AWS::SNS::Topic, DeletionPolicy: Retain}\n"
	e.deploy(t, "s", tpl, nil)
	mustFault(t, e.srv, ResourceFault{LogicalResourceID: "A", Operation: "DELETE", Times: 1, Reason: "in use"})
	if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	st := e.stack(t, "s")
	if st.StackStatus != cfntypes.StackStatusDeleteFailed || aws.ToString(st.StackStatusReason) != "The following resource(s) failed to delete: [A]. " {
		t.Fatalf("status %s %q", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	equalLines(t, since(e.events(t, "s"), "s DELETE_IN_PROGRESS"), []string{
		"s DELETE_IN_PROGRESS",
		"D DELETE_IN_PROGRESS", "D DELETE_COMPLETE",
		"R DELETE_SKIPPED",
		"C DELETE_IN_PROGRESS", "C DELETE_COMPLETE",
		"B DELETE_IN_PROGRESS", "B DELETE_COMPLETE",
		"A DELETE_IN_PROGRESS", "A DELETE_FAILED (in use)",
		"s DELETE_FAILED (The following resource(s) failed to delete: [A]. )",
	})
	_, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s"), RetainResources: []string{"B"}})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "Resource [B] is not in DELETE_FAILED state")
	if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if _, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("s")}); err == nil {
		t.Fatal("stack not deleted on retry")
	}

	// A resource that never deletes can be retained from a DELETE_FAILED stack.
	e.deploy(t, "t", threeTopics, nil)
	mustFault(t, e.srv, ResourceFault{StackName: "t", LogicalResourceID: "C", Operation: "DELETE"})
	if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("t")}); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("t"), RetainResources: []string{"C"}}); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if _, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("t")}); err == nil {
		t.Fatal("stack not deleted with RetainResources")
	}
}

func TestInProgressObservableWithManualStep(t *testing.T) {
	e := newEnv(t, Options{ManualStep: true})
	settle := func() {
		t.Helper()
		if err := e.srv.Settle(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	step := func() {
		t.Helper()
		if err := e.srv.Step(e.ctx); err != nil {
			t.Fatal(err)
		}
		settle()
	}
	tpl := "Resources:\n  A: {Type: AWS::SNS::Topic}\n"
	out, err := e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("c"), ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(tpl)})
	if err != nil {
		t.Fatal(err)
	}
	csStatus := func() string {
		cs, err := e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: out.Id})
		if err != nil {
			t.Fatal(err)
		}
		return string(cs.Status) + "/" + string(cs.ExecutionStatus)
	}
	settle()
	var seen []string
	seen = append(seen, csStatus())
	_, err = e.cfn.ExecuteChangeSet(e.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: out.Id})
	apiErr(t, err, "InvalidChangeSetStatus", http.StatusBadRequest, "current status of [CREATE_PENDING]")
	step()
	seen = append(seen, csStatus())
	step()
	seen = append(seen, csStatus())
	equalLines(t, seen, []string{"CREATE_PENDING/UNAVAILABLE", "CREATE_IN_PROGRESS/UNAVAILABLE", "CREATE_COMPLETE/AVAILABLE"})

	if _, err := e.cfn.ExecuteChangeSet(e.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: out.Id}); err != nil {
		t.Fatal(err)
	}
	settle()
	if st := e.stack(t, "s"); st.StackStatus != cfntypes.StackStatusCreateInProgress {
		t.Fatalf("status %s, want CREATE_IN_PROGRESS", st.StackStatus)
	}
	_, err = e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("u"), UsePreviousTemplate: aws.Bool(true)})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "is in CREATE_IN_PROGRESS state and can not be updated.")
	_, err = e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s")})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "cannot be deleted while in status CREATE_IN_PROGRESS")
	res, err := e.cfn.DescribeStackResources(e.ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("s")})
	if err != nil || res.StackResources[0].ResourceStatus != cfntypes.ResourceStatusCreateInProgress {
		t.Fatalf("resource not in progress: %v", err)
	}
	step()
	if st := e.stack(t, "s"); st.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("status %s, want CREATE_COMPLETE", st.StackStatus)
	}
}

func TestCleanupFailureStillCompletesUpdate(t *testing.T) {
	e := newEnv(t, Options{})
	e.deploy(t, "s", threeTopics, nil)
	mustFault(t, e.srv, ResourceFault{LogicalResourceID: "C", Operation: "DELETE", Reason: "in use"})
	without := strings.Replace(threeTopics, "  C: {Type: AWS::SNS::Topic, Properties: {TopicName: c}}\n", "", 1)
	e.execute(t, e.changeSet(t, "s", "cs2", cfntypes.ChangeSetTypeUpdate, without, nil))
	st := e.stack(t, "s")
	if st.StackStatus != cfntypes.StackStatusUpdateComplete || aws.ToString(st.StackStatusReason) != cleanupFailedReason {
		t.Fatalf("status %s %q", st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	equalLines(t, since(e.events(t, "s"), "s UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"), []string{
		"s UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "C DELETE_IN_PROGRESS", "C DELETE_FAILED (in use)",
		"s UPDATE_COMPLETE (" + cleanupFailedReason + ")",
	})
	res, _ := e.cfn.ListStackResources(e.ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String("s")})
	if len(res.StackResourceSummaries) != 3 {
		t.Errorf("the resource left behind is still part of the stack: %d resources", len(res.StackResourceSummaries))
	}
}

func TestUnresolvableResourceFailsBeforeItsWaveStarts(t *testing.T) {
	e := newEnv(t, Options{})
	tpl := `
Conditions:
  Never: !Equals [a, b]
Resources:
  A: {Type: AWS::SNS::Topic, Condition: Never}
  B: {Type: AWS::SNS::Topic, Properties: {TopicName: !GetAtt A.TopicName}}
  C: {Type: AWS::SNS::Topic}
`
	e.execute(t, e.changeSet(t, "s", "c", cfntypes.ChangeSetTypeCreate, tpl, nil))
	equalLines(t, e.events(t, "s"), []string{
		"s REVIEW_IN_PROGRESS", "s CREATE_IN_PROGRESS",
		"B CREATE_FAILED (Template error: instance of Fn::GetAtt references undefined resource A)",
		"s ROLLBACK_IN_PROGRESS (The following resource(s) failed to create: [B]. Rollback requested by user.)",
		"B DELETE_COMPLETE",
		"s ROLLBACK_COMPLETE",
	})
	res, _ := e.cfn.ListStackResources(e.ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String("s")})
	if len(res.StackResourceSummaries) != 1 {
		t.Errorf("resources %+v, want only B", res.StackResourceSummaries)
	}
}

func TestResourceDelayKeepsOperationsInProgressAndCloseStopsThem(t *testing.T) {
	s := New(Options{ResourceDelay: time.Hour})
	ts := httptest.NewServer(s)
	defer ts.Close()
	c := cloudformation.NewFromConfig(sdkConfig(ts.URL, 1))
	ctx := context.Background()
	if _, err := c.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("slow"), TemplateBody: aws.String(twoQueues)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := c.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("slow")})
	if err != nil || len(res.StackResources) != 2 || res.StackResources[0].ResourceStatus != cfntypes.ResourceStatusCreateInProgress {
		t.Fatalf("resources while slow: %v %+v", err, res)
	}
	// Close cancels the hour-long pause instead of waiting for it.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateReplacePolicyRetainKeepsOldResource(t *testing.T) {
	e := newEnv(t, Options{})
	tpl := "Parameters:\n  Family: {Type: String, Default: a}\nResources:\n  T: {Type: AWS::ECS::TaskDefinition, UpdateReplacePolicy: Retain, Properties: {Family: !Ref Family}}\n"
	e.deploy(t, "s", tpl, nil)
	e.execute(t, e.changeSet(t, "s", "c2", cfntypes.ChangeSetTypeUpdate, tpl, map[string]string{"Family": "b"}))
	equalLines(t, since(e.events(t, "s"), "s UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"), []string{
		"s UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "T DELETE_SKIPPED", "s UPDATE_COMPLETE",
	})
	_, err := e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: e.stack(t, "s").StackId, ChangeSetName: aws.String("x"), ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(tpl)})
	apiErr(t, err, "ValidationError", http.StatusBadRequest, "failed to satisfy constraint")
}
