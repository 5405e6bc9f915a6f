package stack_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
)

// TestSyncCreatesWithOneCall creates a stack with CreateStack alone, and then knows from the token on the
// creation's events that the stack runs the spec: no change set is made to check it.
func TestSyncCreatesWithOneCall(t *testing.T) {
	e := newLocalEnv(t, false)
	want := desired(1)
	rs := e.syncToEnd(t, want)
	wantActions := []string{stack.ActionCreateStack, stack.ActionNone}
	if got := actionsOf(rs); !slices.Equal(got, wantActions) {
		t.Fatalf("actions = %v, want %v", got, wantActions)
	}
	last := rs[len(rs)-1]
	if last.Phase != stack.PhaseConverged || last.StackStatus != "CREATE_COMPLETE" || last.RequeueAfter != time.Hour {
		t.Fatalf("last result = %+v", last)
	}
	if last.Outputs["ClusterName"] != "shop" {
		t.Errorf("outputs = %v", last.Outputs)
	}
	if rs[0].ChangeSet != nil || rs[0].StackID == "" {
		t.Errorf("first result = %+v, want a stack and no change set", rs[0])
	}
	if calls := e.srv.Calls(); calls["CreateStack"] != 1 || calls["CreateChangeSet"]+calls["ExecuteChangeSet"] != 0 {
		t.Errorf("calls = %v", calls)
	}
	if rs[0].RequeueAfter != 10*time.Second {
		t.Errorf("requeue while creating = %v, want the poll interval", rs[0].RequeueAfter)
	}
	tags := e.tags(t, "shop-web")
	if tags[csv1.TagOwnerUID] != motoOwner.UID || tags[csv1.TagOwnerNamespace] != "shop" || tags[csv1.TagOwnerName] != "web" || tags["team"] != "shop" {
		t.Errorf("stack tags = %v", tags)
	}
	if names := e.changeSetNames(t, "shop-web"); len(names) != 0 {
		t.Errorf("spent change sets left behind: %v", names)
	}
	for _, r := range rs {
		if r.Digest != stack.Digest(want) {
			t.Errorf("result digest = %q", r.Digest)
		}
		if strings.Contains(r.Message, "s3cret") {
			t.Errorf("message shows a sensitive value: %q", r.Message)
		}
	}
}

// TestSyncConvergedStacksShareOnePage checks the steady state: a converged stack seen within its interval
// costs no call, and once the interval has passed the stacks of the Region are read in one DescribeStacks
// page for all of them, with no call of their own.
func TestSyncConvergedStacksShareOnePage(t *testing.T) {
	e := newLocalEnv(t, false)
	var wants []stack.Desired
	for _, name := range []string{"shop-web", "shop-api", "shop-db"} {
		want := desired(1)
		want.StackName = name
		e.syncToEnd(t, want)
		want.LastAppliedDigest = stack.Digest(want)
		wants = append(wants, want)
	}
	syncAll := func() map[string]int {
		before := e.srv.Calls()
		for _, want := range wants {
			res, err := e.d.Sync(context.Background(), want)
			if err != nil || res.Phase != stack.PhaseConverged || res.Action != stack.ActionNone {
				t.Fatalf("Sync(%s) = %+v, %v", want.StackName, res, err)
			}
		}
		return callsSince(before, e.srv.Calls())
	}
	if calls := syncAll(); len(calls) != 0 {
		t.Errorf("calls within the interval = %v, want none", calls)
	}
	e.later += time.Hour
	if calls := syncAll(); !maps.Equal(calls, map[string]int{"DescribeStacks": 1}) {
		t.Errorf("calls after the interval = %v, want one DescribeStacks page for all", calls)
	}
}

// TestSyncSeesChangesMadeElsewhere checks that a stack deleted behind the driver's back is found missing
// by the next reading of all stacks, and created again.
func TestSyncSeesChangesMadeElsewhere(t *testing.T) {
	e := newLocalEnv(t, false)
	want := desired(1)
	e.syncToEnd(t, want)
	want.LastAppliedDigest = stack.Digest(want)
	if _, err := e.cf.DeleteStack(context.Background(), &cloudformation.DeleteStackInput{StackName: aws.String(want.StackName)}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.later += time.Hour
	res, err := e.d.Sync(context.Background(), want)
	if err != nil || res.Action != stack.ActionCreateStack {
		t.Fatalf("Sync after an out-of-band deletion = %+v, %v; want it created again", res, err)
	}
}

func TestSyncUpdatesAndNoOpUpdate(t *testing.T) {
	for _, omit := range []bool{false, true} {
		t.Run(map[bool]string{false: "stack names its change set", true: "no ChangeSetId (moto)"}[omit], func(t *testing.T) {
			e := newLocalEnv(t, false)
			if omit {
				e.d = e.driver(withoutChangeSetID{e.cf}, stack.Options{})
			}
			v1 := desired(1)
			e.syncToEnd(t, v1)
			v2 := desired(2)
			v2.LastAppliedDigest = stack.Digest(v1)
			rs := e.syncToEnd(t, v2)
			if rs[0].Action != stack.ActionCreateChangeSet || rs[0].ChangeSet.Type != "UPDATE" {
				t.Fatalf("first = %+v", rs[0])
			}
			if last := rs[len(rs)-1]; last.StackStatus != "UPDATE_COMPLETE" || last.Phase != stack.PhaseConverged {
				t.Fatalf("last = %+v", last)
			}
			if e.template(t, "shop-web") != string(template(2)) {
				t.Error("stack not updated to the new template")
			}
			// The caller lost its record. When the stack names the change set it runs, that settles it;
			// otherwise the driver checks with a change set, which comes back empty and is deleted.
			creates := e.calls("CreateChangeSet")
			v2.LastAppliedDigest = ""
			rs = e.syncToEnd(t, v2)
			last := rs[len(rs)-1]
			wantAction, wantCreates := stack.ActionNone, creates
			if omit {
				wantAction, wantCreates = stack.ActionDeleteChangeSet, creates+1
			}
			if last.Phase != stack.PhaseConverged || last.Action != wantAction {
				t.Fatalf("no-op update ended with %+v", last)
			}
			if e.calls("ExecuteChangeSet") != 1 || e.calls("CreateChangeSet") != wantCreates {
				t.Errorf("calls = %v", e.srv.Calls())
			}
			if names := e.changeSetNames(t, "shop-web"); len(names) != 0 {
				t.Errorf("change sets left behind: %v", names)
			}
		})
	}
}

func TestSyncResumesAfterRestart(t *testing.T) {
	e := newLocalEnv(t, false)
	want := desired(1)
	if res := e.syncOnce(t, want); res.Action != stack.ActionCreateStack {
		t.Fatalf("first Sync = %+v", res)
	}
	// A new controller process: a fresh Driver with nothing remembered.
	e.d = e.driver(e.cf, stack.Options{})
	if rs := e.syncToEnd(t, want); rs[len(rs)-1].Phase != stack.PhaseConverged {
		t.Fatalf("last = %+v", rs[len(rs)-1])
	}
	if calls := e.srv.Calls(); calls["CreateStack"] != 1 || calls["CreateChangeSet"] != 0 || calls["ExecuteChangeSet"] != 0 {
		t.Errorf("calls = %v, want one CreateStack and no change set", calls)
	}
}

func TestSyncResumesAfterRestartMidExecution(t *testing.T) {
	e := newLocalEnv(t, true)
	want := desired(1)
	e.reach(t, cftypes.StackStatusCreateInProgress, func() { e.syncOnce(t, want) })
	if e.calls("CreateStack") != 1 {
		t.Fatalf("setup: %v", e.srv.Calls())
	}
	e.d = e.driver(e.cf, stack.Options{})
	if rs := e.syncToEnd(t, want); rs[len(rs)-1].Phase != stack.PhaseConverged {
		t.Fatalf("last = %+v", rs[len(rs)-1])
	}
	if calls := e.srv.Calls(); calls["CreateStack"] != 1 || calls["CreateChangeSet"] != 0 || calls["ExecuteChangeSet"] != 0 {
		t.Errorf("calls = %v", calls)
	}
}

func TestSyncCreateFailureReportsRootCauseAndRecreatesOnNewSpec(t *testing.T) {
	e := newLocalEnv(t, false)
	const reason = "Resource handler returned message: \"Invalid request provided: subnet missing\""
	e.fault(t, cfnlocal.ResourceFault{LogicalResourceID: "Service", Operation: "CREATE", Reason: reason})
	v1 := desired(1)
	rs := e.syncToEnd(t, v1)
	last := rs[len(rs)-1]
	if last.Phase != stack.PhaseFailed || last.StackStatus != "ROLLBACK_COMPLETE" {
		t.Fatalf("last = %+v", last)
	}
	want := []stack.FailedResource{{LogicalID: "Service", Type: "AWS::ECS::Service", Status: "CREATE_FAILED", Reason: reason}}
	if !slices.Equal(last.FailedResources, want) {
		t.Fatalf("root cause = %+v, want %+v", last.FailedResources, want)
	}
	// The same spec again: reported, never deleted.
	res, err := e.d.Sync(context.Background(), v1)
	if err != nil || res.Phase != stack.PhaseFailed || res.Action != stack.ActionNone || e.calls("DeleteStack") != 0 {
		t.Fatalf("same spec: %+v, %v, calls %v", res, err, e.srv.Calls())
	}
	// A new spec: deleted, then created again.
	e.srv.ClearFaults()
	rs = e.syncToEnd(t, desired(2))
	if rs[0].Action != stack.ActionDeleteStack || len(rs[0].FailedResources) != 1 {
		t.Fatalf("first = %+v", rs[0])
	}
	if last := rs[len(rs)-1]; last.Phase != stack.PhaseConverged || last.StackStatus != "CREATE_COMPLETE" {
		t.Fatalf("last = %+v", last)
	}
}

func TestSyncUpdateFailureRetriesAfterBackoffOrNewSpec(t *testing.T) {
	e := newLocalEnv(t, false)
	e.syncToEnd(t, desired(1))
	e.fault(t, cfnlocal.ResourceFault{LogicalResourceID: "TaskDefinition", Operation: "UPDATE", Reason: "Invalid memory", Times: 1})
	v2 := desired(2)
	rs := e.syncToEnd(t, v2)
	last := rs[len(rs)-1]
	if last.Phase != stack.PhaseFailed || last.StackStatus != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("last = %+v", last)
	}
	if len(last.FailedResources) != 1 || last.FailedResources[0].LogicalID != "TaskDefinition" || last.FailedResources[0].Reason != "Invalid memory" {
		t.Fatalf("root cause = %+v", last.FailedResources)
	}
	// 5m backoff; the jitter adds a quarter.
	if !requeuedAfter(last.RequeueAfter, 5*time.Minute+75*time.Second) {
		t.Errorf("requeue = %v", last.RequeueAfter)
	}
	creates := e.calls("CreateChangeSet")
	e.later = time.Minute
	res, err := e.d.Sync(context.Background(), v2)
	if err != nil || res.Phase != stack.PhaseFailed || e.calls("CreateChangeSet") != creates {
		t.Fatalf("within backoff: %+v, %v", res, err)
	}
	if !requeuedAfter(res.RequeueAfter, 4*time.Minute+time.Minute) {
		t.Errorf("requeue within backoff = %v", res.RequeueAfter)
	}
	// After the backoff the same spec is tried again with a new change set.
	e.later = 6 * time.Minute
	rs = e.syncToEnd(t, v2)
	if rs[0].Action != stack.ActionCreateChangeSet || rs[0].ChangeSet.Type != "UPDATE" {
		t.Fatalf("retry actions = %v", actionsOf(rs))
	}
	if last := rs[len(rs)-1]; last.Phase != stack.PhaseConverged || last.StackStatus != "UPDATE_COMPLETE" {
		t.Fatalf("last = %+v", last)
	}
}

func TestSyncUpdateFailureNewSpecAppliesAtOnce(t *testing.T) {
	e := newLocalEnv(t, false)
	e.syncToEnd(t, desired(1))
	e.fault(t, cfnlocal.ResourceFault{LogicalResourceID: "TaskDefinition", Operation: "UPDATE", Reason: "Invalid memory", Times: 1})
	if rs := e.syncToEnd(t, desired(2)); rs[len(rs)-1].Phase != stack.PhaseFailed {
		t.Fatalf("setup: %v", actionsOf(rs))
	}
	rs := e.syncToEnd(t, desired(3))
	if rs[0].Action != stack.ActionCreateChangeSet || rs[len(rs)-1].Phase != stack.PhaseConverged {
		t.Fatalf("actions = %v, last %+v", actionsOf(rs), rs[len(rs)-1])
	}
}

func TestSyncContinuesFailedRollback(t *testing.T) {
	e := newLocalEnv(t, false)
	e.syncToEnd(t, desired(1))
	e.fault(t,
		cfnlocal.ResourceFault{LogicalResourceID: "TaskDefinition", Operation: "UPDATE", Reason: "Service did not stabilize", Times: 1},
		cfnlocal.ResourceFault{LogicalResourceID: "TaskDefinition", DuringRollback: true, Reason: "rollback failed", Times: 1})
	rs := e.syncToEnd(t, desired(2))
	last := rs[len(rs)-1]
	if last.Action != stack.ActionContinueUpdateRollback || last.Phase != stack.PhaseFailed || last.StackStatus != "UPDATE_ROLLBACK_FAILED" {
		t.Fatalf("last = %+v", last)
	}
	if len(last.FailedResources) == 0 || last.FailedResources[0].Reason != "Service did not stabilize" {
		t.Errorf("root cause = %+v", last.FailedResources)
	}
	e.settle(t)
	if s := e.status(t); s != cftypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("after continuing: %s", s)
	}
	if n := e.calls("ContinueUpdateRollback"); n != 1 {
		t.Errorf("ContinueUpdateRollback calls = %d", n)
	}
}

func TestSyncChangeSetFailedIsTerminalUntilSpecChanges(t *testing.T) {
	e := newLocalEnv(t, false)
	rs := e.syncToEnd(t, desired(1))
	// The update's change set fails while CloudFormation computes it: an input of the template does not resolve.
	want := desired(1)
	want.LastAppliedDigest = rs[len(rs)-1].Digest
	want.TemplateBody = []byte(`{"Parameters":{"Image":{"Type":"String"},"Password":{"Type":"String","NoEcho":true}},` +
		`"Resources":{"Cluster":{"Type":"AWS::ECS::Cluster","Properties":{"ClusterName":{"Fn::ImportValue":"nope"}}}}}`)
	_, err := e.converge(t, want)
	if terminalReason(err) != csv1.ReasonChangeSetFailed || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err = %v", err)
	}
	// After a restart, the same spec gives the same answer without another change set.
	e.d = e.driver(e.cf, stack.Options{})
	_, err = e.d.Sync(context.Background(), want)
	if terminalReason(err) != csv1.ReasonChangeSetFailed || e.calls("CreateChangeSet") != 1 {
		t.Fatalf("again: %v, calls %v", err, e.srv.Calls())
	}
	rs = e.syncToEnd(t, desired(2))
	if rs[len(rs)-1].Phase != stack.PhaseConverged || e.calls("CreateChangeSet") != 2 {
		t.Fatalf("new spec: %v, calls %v", actionsOf(rs), e.srv.Calls())
	}
	if names := e.changeSetNames(t, "shop-web"); len(names) != 0 {
		t.Errorf("change sets left: %v", names)
	}
}

func TestSyncThrottlingIsNotFailure(t *testing.T) {
	for _, op := range []string{"DescribeStacks", "CreateStack", "DescribeStackEvents"} {
		t.Run(op, func(t *testing.T) {
			e := newLocalEnv(t, false)
			want := desired(1)
			if op == "DescribeStackEvents" {
				e.syncOnce(t, want)
				e.settle(t)
			}
			e.apiFault(t, cfnlocal.APIFault{Operation: op, Kind: cfnlocal.FaultThrottle, Times: 1})
			res, err := e.d.Sync(context.Background(), want)
			if err != nil {
				t.Fatalf("throttled call returned %v", err)
			}
			if !res.Throttled || res.Phase != stack.PhaseInProgress || res.RequeueAfter != 15*time.Second+15*time.Second/4 {
				t.Fatalf("result = %+v", res)
			}
			if e.srv.CallOutcomes()[op+" Throttling"] != 1 {
				t.Errorf("outcomes = %v", e.srv.CallOutcomes())
			}
			// A restarted controller: the SDK's adaptive retryer of the old clients would hold the next
			// calls back for seconds after the throttle.
			e.cl = localClients(t, e.srv)
			e.cf = e.cl.CloudFormation
			e.d = e.driver(e.cf, stack.Options{})
			if rs := e.syncToEnd(t, want); rs[len(rs)-1].Phase != stack.PhaseConverged {
				t.Fatalf("after throttling: %v", actionsOf(rs))
			}
		})
	}
}

func TestSyncTransientErrorsAreReturned(t *testing.T) {
	e := newLocalEnv(t, false)
	e.apiFault(t, cfnlocal.APIFault{Operation: "DescribeStacks", Kind: cfnlocal.FaultServerError, Times: 1})
	_, err := e.d.Sync(context.Background(), desired(1))
	if err == nil || stack.IsTerminal(err) || !strings.Contains(err.Error(), "describing stack shop-web") {
		t.Fatalf("err = %v", err)
	}
}

func TestSyncOwnership(t *testing.T) {
	cases := []struct {
		name   string
		tags   map[string]string
		adopt  bool
		reason string
		msg    string
	}{
		{"other owner", map[string]string{csv1.TagOwnerUID: "uid-2", csv1.TagOwnerNamespace: "shop", csv1.TagOwnerName: "old"}, true, csv1.ReasonOwnershipConflict, "stack shop-web belongs to another ComposeStack"},
		{"nobody", nil, false, csv1.ReasonOwnershipConflict, "set spec.stack.adopt"},
		{"docker compose", map[string]string{csv1.TagDockerComposeProject: "shop"}, false, csv1.ReasonOwnershipConflict, "Docker Compose for ECS (project shop)"},
		{"adopt docker compose", map[string]string{csv1.TagDockerComposeProject: "shop"}, true, "", ""},
		{"adopt untagged", nil, true, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newLocalEnv(t, false)
			e.seed(t, "shop-web", c.tags)
			want := desired(1)
			want.Adopt = c.adopt
			rs, err := e.converge(t, want)
			if c.reason != "" {
				if terminalReason(err) != c.reason || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("err = %v", err)
				}
				for _, other := range c.tags {
					if strings.Contains(err.Error(), other) && other != "shop" {
						t.Errorf("the conflict shows the other owner's %q: %v", other, err)
					}
				}
				if e.calls("CreateChangeSet") != 0 || e.calls("DeleteStack") != 0 {
					t.Errorf("touched a stack it does not own: %v", e.srv.Calls())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The template matches already: the adoption is an UPDATE that adds the owner tags.
			if rs[0].ChangeSet == nil || rs[0].ChangeSet.Type != "UPDATE" || rs[len(rs)-1].Phase != stack.PhaseConverged {
				t.Fatalf("results = %+v", rs)
			}
			if tags := e.tags(t, "shop-web"); tags[csv1.TagOwnerUID] != motoOwner.UID {
				t.Errorf("tags after adoption = %v", tags)
			}
		})
	}
}

func TestSyncReviewStackReplacesStaleChangeSet(t *testing.T) {
	e := newLocalEnv(t, false)
	// A CREATE change set for an older spec, never executed: the stack stays in review with its tags.
	e.review(t, desired(1))
	e.settle(t)
	rs := e.syncToEnd(t, desired(2))
	if rs[0].Action != stack.ActionCreateChangeSet || rs[0].ChangeSet.Type != "CREATE" || rs[len(rs)-1].Phase != stack.PhaseConverged {
		t.Fatalf("results = %v", actionsOf(rs))
	}
	if e.template(t, "shop-web") != string(template(2)) {
		t.Error("stack built from the stale change set")
	}
}

func TestSyncReviewStackOfAnotherOwner(t *testing.T) {
	e := newLocalEnv(t, false)
	other := desired(1)
	other.Owner.UID = "uid-2"
	e.syncOnce(t, other)
	e.settle(t)
	if _, err := e.d.Sync(context.Background(), desired(1)); terminalReason(err) != csv1.ReasonOwnershipConflict {
		t.Fatalf("err = %v", err)
	}
}

func TestSyncLargeTemplateIsUploaded(t *testing.T) {
	e := newLocalEnv(t, false)
	rec := &recordingCF{CloudFormationAPI: e.cf}
	e.d = e.driver(rec, stack.Options{})
	if _, err := e.cl.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("templates-bucket")}); err != nil {
		t.Fatal(err)
	}
	want := desired(1)
	want.TemplateBody, want.Parameters = bigTemplate(60000), nil
	want.TemplateBucket = "templates-bucket"
	if rs := e.syncToEnd(t, want); rs[len(rs)-1].Phase != stack.PhaseConverged {
		t.Fatalf("%v", actionsOf(rs))
	}
	in := rec.lastCreateStack()
	key := stack.TemplateKey(want.TemplateBody)
	if in.TemplateBody != nil || aws.ToString(in.TemplateURL) != "https://templates-bucket.s3.us-east-1.amazonaws.com/"+key {
		t.Fatalf("template passed as body=%v url=%v", in.TemplateBody != nil, aws.ToString(in.TemplateURL))
	}
	obj, err := e.cl.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("templates-bucket"), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("template not uploaded under its content address: %v", err)
	}
	_ = obj.Body.Close()
	if e.template(t, "shop-web") != string(want.TemplateBody) {
		t.Fatal("stack not built from the uploaded template")
	}
	// The same template is not uploaded twice.
	want.Tags = map[string]string{"team": "other"}
	e.syncOnce(t, want)
	if e.calls("s3:PutObject") != 1 || e.calls("s3:HeadObject") != 2 {
		t.Errorf("S3 calls: put %d head %d", e.calls("s3:PutObject"), e.calls("s3:HeadObject"))
	}
}

func TestSyncTemplateTooLarge(t *testing.T) {
	cases := []struct {
		name   string
		size   int
		bucket string
		msg    string
	}{
		{"no bucket", 60000, "", "set spec.stack.templateBucket"},
		{"over the limit", stack.MaxTemplate + 1, "b", "more than CloudFormation accepts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newLocalEnv(t, false)
			want := desired(1)
			want.TemplateBody = bigTemplate(c.size)
			want.TemplateBucket = c.bucket
			_, err := e.d.Sync(context.Background(), want)
			if terminalReason(err) != csv1.ReasonTemplateTooLarge || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v", err)
			}
			if e.calls("CreateStack")+e.calls("CreateChangeSet") != 0 || e.calls("s3:PutObject") != 0 {
				t.Error("called AWS for a template that cannot be sent")
			}
		})
	}
}

func TestSyncPassesCapabilities(t *testing.T) {
	e := newLocalEnv(t, false)
	rec := &recordingCF{CloudFormationAPI: e.cf}
	e.d = e.driver(rec, stack.Options{})
	want := desired(1)
	want.Parameters = nil
	want.TemplateBody = []byte(`{"Resources":{"Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"shop-web","AssumeRolePolicyDocument":{}}}}}`)
	if rs := e.syncToEnd(t, want); rs[len(rs)-1].Phase != stack.PhaseConverged {
		t.Fatalf("%v", actionsOf(rs))
	}
	caps := rec.lastCreateStack().Capabilities
	if !slices.Equal(caps, []cftypes.Capability{cftypes.CapabilityCapabilityIam, cftypes.CapabilityCapabilityNamedIam}) {
		t.Errorf("capabilities = %v", caps)
	}
}

func TestSyncRejectsIncompleteDesired(t *testing.T) {
	e := newLocalEnv(t, false)
	for _, want := range []stack.Desired{{}, {StackName: "s"}, {StackName: "s", Owner: motoOwner}} {
		if _, err := e.d.Sync(context.Background(), want); err == nil || stack.IsTerminal(err) {
			t.Errorf("Sync(%+v) = %v", want, err)
		}
	}
	if n := len(e.srv.Calls()); n != 0 {
		t.Errorf("called AWS for an incomplete spec: %v", e.srv.Calls())
	}
}

// withoutChangeSetID answers DescribeStacks without ChangeSetId, as moto does, so that the driver must find
// out from its own change sets which one a stack last ran.
type withoutChangeSetID struct{ stack.CloudFormationAPI }

func (c withoutChangeSetID) DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, o ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	out, err := c.CloudFormationAPI.DescribeStacks(ctx, in, o...)
	if out != nil {
		for i := range out.Stacks {
			out.Stacks[i].ChangeSetId = nil
		}
	}
	return out, err
}

// recordingCF keeps the last CreateStack input, for what cfnlocal does not echo back.
type recordingCF struct {
	stack.CloudFormationAPI
	mu   sync.Mutex
	last *cloudformation.CreateStackInput
}

func (c *recordingCF) CreateStack(ctx context.Context, in *cloudformation.CreateStackInput, o ...func(*cloudformation.Options)) (*cloudformation.CreateStackOutput, error) {
	c.mu.Lock()
	c.last = in
	c.mu.Unlock()
	return c.CloudFormationAPI.CreateStack(ctx, in, o...)
}

func (c *recordingCF) lastCreateStack() *cloudformation.CreateStackInput {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		return &cloudformation.CreateStackInput{}
	}
	return c.last
}

// TestSyncChangingStacksShareOnePage checks that stacks being created are looked at, once the poll interval
// has passed, in one reading of all stacks rather than in a call each.
func TestSyncChangingStacksShareOnePage(t *testing.T) {
	srv, cl := localServer(t, cfnlocal.Options{ResourceDelay: 3 * time.Second})
	e := &localEnv{srv: srv, cl: cl, cf: cl.CloudFormation}
	e.d = e.driver(cl.CloudFormation, stack.Options{})
	var wants []stack.Desired
	for _, name := range []string{"shop-web", "shop-api", "shop-db"} {
		want := desired(1)
		want.StackName = name
		wants = append(wants, want)
	}
	// Taken forward together, so that all three are being created at once.
	executed := map[string]bool{}
	for i := 0; len(executed) < len(wants); i++ {
		if i == 200 {
			t.Fatalf("not all executed: %v", executed)
		}
		for _, want := range wants {
			if !executed[want.StackName] && e.syncOnce(t, want).Action == stack.ActionCreateStack {
				executed[want.StackName] = true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.later += 11 * time.Second // past the poll interval
	before := e.srv.Calls()
	for _, want := range wants {
		if res := e.syncOnce(t, want); res.Phase != stack.PhaseInProgress {
			t.Fatalf("Sync(%s) = %+v; want it still in progress", want.StackName, res)
		}
	}
	// Each also reads the events of its create, for its progress: one page, as the create is young.
	if calls := callsSince(before, e.srv.Calls()); !maps.Equal(calls, map[string]int{"DescribeStacks": 1, "DescribeStackEvents": 3}) {
		t.Errorf("calls = %v, want one DescribeStacks page for the three, and one page of events each", calls)
	}
}

// TestSyncCreatesAreBoundByWrites checks what a create costs once a reading of all stacks is recent: no
// read to learn the stack is new, one write to create it, and one reading of its events, which says both how
// far it got and that it was made from this spec.
func TestSyncCreatesAreBoundByWrites(t *testing.T) {
	e := newLocalEnv(t, false)
	first := desired(1)
	first.StackName = "shop-first"
	e.syncToEnd(t, first) // reads the pages once
	want := desired(1)
	before := e.srv.Calls()
	rs := e.syncToEnd(t, want)
	if got := actionsOf(rs); !slices.Equal(got, []string{stack.ActionCreateStack, stack.ActionNone}) {
		t.Fatalf("actions = %v", got)
	}
	wantCalls := map[string]int{"CreateStack": 1, "DescribeStacks": 1, "DescribeStackEvents": 1}
	if calls := callsSince(before, e.srv.Calls()); !maps.Equal(calls, wantCalls) {
		// The DescribeStacks is the stack after the write, described on its own because no reading since
		// showed it; the events are read once, for the progress and the token of the creation.
		t.Errorf("calls = %v, want %v", calls, wantCalls)
	}
}

// TestSyncStackMadeAfterTheReading checks that a stack someone else made after the last reading of all
// stacks, taken for a new one, is described on its own once creating it fails, and is then not touched.
func TestSyncStackMadeAfterTheReading(t *testing.T) {
	e := newLocalEnv(t, false)
	first := desired(1)
	first.StackName = "shop-first"
	e.syncToEnd(t, first)
	e.seed(t, "shop-web", nil)
	if res, err := e.d.Sync(context.Background(), desired(1)); err != nil || res.Phase != stack.PhaseInProgress || res.Action != stack.ActionNone {
		t.Fatalf("creating over an unseen stack: %+v, %v; want it found to exist, to be looked at next", res, err)
	}
	if _, err := e.d.Sync(context.Background(), desired(1)); terminalReason(err) != csv1.ReasonOwnershipConflict {
		t.Fatalf("then err = %v, want an ownership conflict", err)
	}
}

// TestSyncCreatedStackConvergesOnTheRecord checks that a caller that recorded starting the creation of this
// spec needs no reading of events to see the stack converged, and that a record of another spec does not
// pass for it.
func TestSyncCreatedStackConvergesOnTheRecord(t *testing.T) {
	e := newLocalEnv(t, false)
	want := desired(1)
	res := e.syncOnce(t, want)
	if res.Action != stack.ActionCreateStack {
		t.Fatalf("first Sync = %+v", res)
	}
	e.settle(t)
	e.later += time.Hour // past any reading of all stacks, so that each Sync reads one page

	other := want
	other.LastAttemptedDigest = stack.Digest(desired(2))
	before := e.srv.Calls()
	if res := e.syncOnce(t, other); res.Phase != stack.PhaseConverged {
		t.Fatalf("with the record of another spec: %+v", res)
	}
	if calls := callsSince(before, e.srv.Calls()); calls["DescribeStackEvents"] != 1 {
		t.Errorf("with the record of another spec: calls = %v, want the events read", calls)
	}

	want.LastAttemptedDigest = res.Digest
	e.later += time.Hour
	before = e.srv.Calls()
	if res := e.syncOnce(t, want); res.Phase != stack.PhaseConverged {
		t.Fatalf("with the record: %+v", res)
	}
	if calls := callsSince(before, e.srv.Calls()); !maps.Equal(calls, map[string]int{"DescribeStacks": 1}) {
		t.Errorf("with the record: calls = %v, want one DescribeStacks", calls)
	}
}
