package stack

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

func TestSyncCreatesThroughChangeSet(t *testing.T) {
	e := newEnv(t)
	want := desired(1)
	rs, err := converge(t, e.d, want, 20)
	if err != nil {
		t.Fatal(err)
	}
	got := actions(rs)
	// The fake computes a change set in two steps and runs the creation in one; the driver's describe calls
	// take them.
	wantActions := []string{ActionCreateChangeSet, ActionExecuteChangeSet, ActionDeleteChangeSet}
	if !slices.Equal(got, wantActions) {
		t.Fatalf("actions = %v, want %v", got, wantActions)
	}
	last := rs[len(rs)-1]
	if last.Phase != PhaseConverged || last.StackStatus != "CREATE_COMPLETE" || last.RequeueAfter != time.Hour {
		t.Fatalf("last result = %+v", last)
	}
	if last.Outputs["ClusterName"] != "shop" {
		t.Errorf("outputs = %v", last.Outputs)
	}
	if rs[0].ChangeSet == nil || rs[0].ChangeSet.Type != "CREATE" || rs[0].ChangeSet.Name != ChangeSetName(Digest(want)) {
		t.Errorf("first change set = %+v", rs[0].ChangeSet)
	}
	if rs[0].RequeueAfter != 10*time.Second {
		t.Errorf("requeue while creating = %v, want the poll interval", rs[0].RequeueAfter)
	}
	tags := e.cf.Tags("shop-web")
	if tags[csv1.TagOwnerUID] != "uid-1" || tags[csv1.TagOwnerNamespace] != "shop" || tags[csv1.TagOwnerName] != "web" || tags["team"] != "shop" {
		t.Errorf("stack tags = %v", tags)
	}
	if names := e.cf.ChangeSetNames("shop-web"); len(names) != 0 {
		t.Errorf("spent change sets left behind: %v", names)
	}
	for _, r := range rs {
		if r.Digest != Digest(want) {
			t.Errorf("result digest = %q", r.Digest)
		}
		if strings.Contains(r.Message, "s3cret") {
			t.Errorf("message shows a sensitive value: %q", r.Message)
		}
	}
}

func TestSyncConvergedStackCostsOneCall(t *testing.T) {
	e := newEnv(t)
	want := desired(1)
	if _, err := converge(t, e.d, want, 20); err != nil {
		t.Fatal(err)
	}
	want.LastAppliedDigest = Digest(want)
	before := e.cf.AllCalls()
	res, err := e.d.Sync(context.Background(), want)
	if err != nil || res.Phase != PhaseConverged || res.Action != ActionNone {
		t.Fatalf("Sync = %+v, %v", res, err)
	}
	after := e.cf.AllCalls()
	for op, n := range after {
		if d := n - before[op]; (op == "DescribeStacks" && d != 1) || (op != "DescribeStacks" && d != 0) {
			t.Errorf("%s called %d more times", op, d)
		}
	}
}

func TestSyncUpdatesAndNoOpUpdate(t *testing.T) {
	for _, omit := range []bool{false, true} {
		t.Run(map[bool]string{false: "stack names its change set", true: "no ChangeSetId (moto)"}[omit], func(t *testing.T) {
			e := newEnv(t)
			e.cf.OmitChangeSetID = omit
			v1 := desired(1)
			if _, err := converge(t, e.d, v1, 20); err != nil {
				t.Fatal(err)
			}
			v2 := desired(2)
			v2.LastAppliedDigest = Digest(v1)
			rs, err := converge(t, e.d, v2, 20)
			if err != nil {
				t.Fatal(err)
			}
			if rs[0].Action != ActionCreateChangeSet || rs[0].ChangeSet.Type != "UPDATE" {
				t.Fatalf("first = %+v", rs[0])
			}
			if last := rs[len(rs)-1]; last.StackStatus != "UPDATE_COMPLETE" || last.Phase != PhaseConverged {
				t.Fatalf("last = %+v", last)
			}
			if e.cf.Template("shop-web") != string(template(2)) {
				t.Error("stack not updated to the new template")
			}
			// The caller lost its record. When the stack names the change set it runs, that settles it;
			// otherwise the driver checks with a change set, which comes back empty and is deleted.
			creates := e.cf.Calls("CreateChangeSet")
			v2.LastAppliedDigest = ""
			rs, err = converge(t, e.d, v2, 20)
			if err != nil {
				t.Fatal(err)
			}
			last := rs[len(rs)-1]
			wantAction, wantCreates := ActionNone, creates
			if omit {
				wantAction, wantCreates = ActionDeleteChangeSet, creates+1
			}
			if last.Phase != PhaseConverged || last.Action != wantAction {
				t.Fatalf("no-op update ended with %+v", last)
			}
			if e.cf.Calls("ExecuteChangeSet") != 2 || e.cf.Calls("CreateChangeSet") != wantCreates {
				t.Errorf("calls = %v", e.cf.AllCalls())
			}
			if names := e.cf.ChangeSetNames("shop-web"); len(names) != 0 {
				t.Errorf("change sets left behind: %v", names)
			}
		})
	}
}

func TestSyncResumesAfterRestart(t *testing.T) {
	e := newEnv(t)
	want := desired(1)
	res, err := e.d.Sync(context.Background(), want)
	if err != nil || res.Action != ActionCreateChangeSet {
		t.Fatalf("first Sync = %+v, %v", res, err)
	}
	// A new controller process: a fresh Driver with nothing remembered.
	restarted := newDriver(e.cf, e.s3, e.clock)
	rs, err := converge(t, restarted, want, 20)
	if err != nil {
		t.Fatal(err)
	}
	if rs[len(rs)-1].Phase != PhaseConverged {
		t.Fatalf("last = %+v", rs[len(rs)-1])
	}
	if n := e.cf.Calls("CreateChangeSet"); n != 1 {
		t.Errorf("CreateChangeSet called %d times, want 1", n)
	}
	if n := e.cf.Calls("ExecuteChangeSet"); n != 1 {
		t.Errorf("ExecuteChangeSet called %d times, want 1", n)
	}
}

func TestSyncResumesAfterRestartMidExecution(t *testing.T) {
	e := newEnv(t)
	want := desired(1)
	for e.cf.Calls("ExecuteChangeSet") == 0 {
		if _, err := e.d.Sync(context.Background(), want); err != nil {
			t.Fatal(err)
		}
	}
	if e.cf.Calls("ExecuteChangeSet") != 1 {
		t.Fatalf("setup: %v", e.cf.AllCalls())
	}
	if _, err := converge(t, newDriver(e.cf, e.s3, e.clock), want, 20); err != nil {
		t.Fatal(err)
	}
	if e.cf.Calls("CreateChangeSet") != 1 || e.cf.Calls("ExecuteChangeSet") != 1 {
		t.Errorf("calls = %v", e.cf.AllCalls())
	}
}

func TestSyncCreateFailureReportsRootCauseAndRecreatesOnNewSpec(t *testing.T) {
	e := newEnv(t)
	e.cf.PageSize = 2 // the root cause is several pages back
	e.cf.FailResource("Service", "Resource handler returned message: \"Invalid request provided: subnet missing\"")
	v1 := desired(1)
	rs, err := converge(t, e.d, v1, 20)
	if err != nil {
		t.Fatal(err)
	}
	last := rs[len(rs)-1]
	if last.Phase != PhaseFailed || last.StackStatus != "ROLLBACK_COMPLETE" {
		t.Fatalf("last = %+v", last)
	}
	want := []FailedResource{{LogicalID: "Service", Type: "AWS::ECS::Service", Status: "CREATE_FAILED",
		Reason: "Resource handler returned message: \"Invalid request provided: subnet missing\""}}
	if !slices.Equal(last.FailedResources, want) {
		t.Fatalf("root cause = %+v, want %+v", last.FailedResources, want)
	}
	// The same spec again: reported, never deleted.
	res, err := e.d.Sync(context.Background(), v1)
	if err != nil || res.Phase != PhaseFailed || res.Action != ActionNone || e.cf.Calls("DeleteStack") != 0 {
		t.Fatalf("same spec: %+v, %v, calls %v", res, err, e.cf.AllCalls())
	}
	// A new spec: deleted, then created again.
	e.cf.ClearFailures()
	rs, err = converge(t, e.d, desired(2), 20)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Action != ActionDeleteStack || len(rs[0].FailedResources) != 1 {
		t.Fatalf("first = %+v", rs[0])
	}
	if last := rs[len(rs)-1]; last.Phase != PhaseConverged || last.StackStatus != "CREATE_COMPLETE" {
		t.Fatalf("last = %+v", last)
	}
}

func TestSyncUpdateFailureRetriesAfterBackoffOrNewSpec(t *testing.T) {
	e := newEnv(t)
	v1 := desired(1)
	if _, err := converge(t, e.d, v1, 20); err != nil {
		t.Fatal(err)
	}
	e.cf.FailResource("TaskDefinition", "Invalid memory")
	v2 := desired(2)
	rs, err := converge(t, e.d, v2, 20)
	if err != nil {
		t.Fatal(err)
	}
	last := rs[len(rs)-1]
	if last.Phase != PhaseFailed || last.StackStatus != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("last = %+v", last)
	}
	if len(last.FailedResources) != 1 || last.FailedResources[0].LogicalID != "TaskDefinition" || last.FailedResources[0].Reason != "Invalid memory" {
		t.Fatalf("root cause = %+v", last.FailedResources)
	}
	// 5m backoff, jitter 0.5 adds a quarter.
	if last.RequeueAfter != 5*time.Minute+75*time.Second {
		t.Errorf("requeue = %v", last.RequeueAfter)
	}
	creates := e.cf.Calls("CreateChangeSet")
	e.clock.Add(time.Minute)
	res, err := e.d.Sync(context.Background(), v2)
	if err != nil || res.Phase != PhaseFailed || e.cf.Calls("CreateChangeSet") != creates {
		t.Fatalf("within backoff: %+v, %v", res, err)
	}
	if res.RequeueAfter != 4*time.Minute+time.Minute {
		t.Errorf("requeue within backoff = %v", res.RequeueAfter)
	}
	// After the backoff the same spec is tried again: the spent change set goes, a new one comes.
	e.clock.Add(5 * time.Minute)
	e.cf.ClearFailures()
	rs, err = converge(t, e.d, v2, 20)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Action != ActionDeleteChangeSet || rs[1].Action != ActionCreateChangeSet {
		t.Fatalf("retry actions = %v", actions(rs))
	}
	if last := rs[len(rs)-1]; last.Phase != PhaseConverged || last.StackStatus != "UPDATE_COMPLETE" {
		t.Fatalf("last = %+v", last)
	}
}

func TestSyncUpdateFailureNewSpecAppliesAtOnce(t *testing.T) {
	e := newEnv(t)
	if _, err := converge(t, e.d, desired(1), 20); err != nil {
		t.Fatal(err)
	}
	e.cf.FailResource("TaskDefinition", "Invalid memory")
	if _, err := converge(t, e.d, desired(2), 20); err != nil {
		t.Fatal(err)
	}
	e.cf.ClearFailures()
	rs, err := converge(t, e.d, desired(3), 20)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Action != ActionCreateChangeSet || rs[len(rs)-1].Phase != PhaseConverged {
		t.Fatalf("actions = %v, last %+v", actions(rs), rs[len(rs)-1])
	}
}

func TestSyncContinuesFailedRollback(t *testing.T) {
	e := newEnv(t)
	if _, err := converge(t, e.d, desired(1), 20); err != nil {
		t.Fatal(err)
	}
	e.cf.FailResource("Service", "Service did not stabilize")
	e.cf.FailRollback(1)
	rs, err := converge(t, e.d, desired(2), 20)
	if err != nil {
		t.Fatal(err)
	}
	last := rs[len(rs)-1]
	if last.Action != ActionContinueUpdateRollback || last.Phase != PhaseFailed || last.StackStatus != "UPDATE_ROLLBACK_FAILED" {
		t.Fatalf("last = %+v", last)
	}
	if len(last.FailedResources) == 0 || last.FailedResources[0].Reason != "Service did not stabilize" {
		t.Errorf("root cause = %+v", last.FailedResources)
	}
	e.cf.Settle()
	if s := e.cf.Status("shop-web"); s != types.StackStatusUpdateRollbackComplete {
		t.Fatalf("after continuing: %s", s)
	}
	if e.cf.Calls("ContinueUpdateRollback") != 1 {
		t.Errorf("ContinueUpdateRollback calls = %d", e.cf.Calls("ContinueUpdateRollback"))
	}
}

func TestSyncChangeSetFailedIsTerminalUntilSpecChanges(t *testing.T) {
	e := newEnv(t)
	e.cf.FailNextChangeSet("Template error: instance of Fn::GetAtt references undefined resource Nope")
	want := desired(1)
	_, err := converge(t, e.d, want, 20)
	if terminalReason(err) != csv1.ReasonChangeSetFailed || !strings.Contains(err.Error(), "undefined resource Nope") {
		t.Fatalf("err = %v", err)
	}
	// After a restart, the same spec gives the same answer without another change set.
	_, err = newDriver(e.cf, e.s3, e.clock).Sync(context.Background(), want)
	if terminalReason(err) != csv1.ReasonChangeSetFailed || e.cf.Calls("CreateChangeSet") != 1 {
		t.Fatalf("again: %v, calls %v", err, e.cf.AllCalls())
	}
	rs, err := converge(t, e.d, desired(2), 20)
	if err != nil {
		t.Fatal(err)
	}
	if rs[len(rs)-1].Phase != PhaseConverged || e.cf.Calls("CreateChangeSet") != 2 {
		t.Fatalf("new spec: %v, calls %v", actions(rs), e.cf.AllCalls())
	}
	if names := e.cf.ChangeSetNames("shop-web"); len(names) != 0 {
		t.Errorf("change sets left: %v", names)
	}
}

func TestSyncThrottlingIsNotFailure(t *testing.T) {
	for _, op := range []string{"DescribeStacks", "CreateChangeSet", "ListChangeSets"} {
		t.Run(op, func(t *testing.T) {
			e := newEnv(t)
			want := desired(1)
			if op == "ListChangeSets" {
				if _, err := e.d.Sync(context.Background(), want); err != nil {
					t.Fatal(err)
				}
			}
			e.cf.Throttle(op, 1)
			res, err := e.d.Sync(context.Background(), want)
			if err != nil {
				t.Fatalf("throttled call returned %v", err)
			}
			if !res.Throttled || res.Phase != PhaseInProgress || res.RequeueAfter != 15*time.Second+15*time.Second/4 {
				t.Fatalf("result = %+v", res)
			}
			rs, err := converge(t, e.d, want, 20)
			if err != nil || rs[len(rs)-1].Phase != PhaseConverged {
				t.Fatalf("after throttling: %v, %v", actions(rs), err)
			}
		})
	}
}

func TestSyncTransientErrorsAreReturned(t *testing.T) {
	e := newEnv(t)
	e.cf.InjectError("DescribeStacks", &smithyErr{code: "InternalFailure"})
	_, err := e.d.Sync(context.Background(), desired(1))
	if err == nil || IsTerminal(err) || !strings.Contains(err.Error(), "describing stack shop-web") {
		t.Fatalf("err = %v", err)
	}
}

func TestSyncOwnership(t *testing.T) {
	tmpl := string(template(1))
	cases := []struct {
		name   string
		tags   map[string]string
		adopt  bool
		reason string
		msg    string
	}{
		{"other owner", map[string]string{csv1.TagOwnerUID: "uid-2", csv1.TagOwnerNamespace: "shop", csv1.TagOwnerName: "old"}, true, csv1.ReasonOwnershipConflict, "belongs to ComposeStack shop/old"},
		{"nobody", nil, false, csv1.ReasonOwnershipConflict, "set spec.stack.adopt"},
		{"docker compose", map[string]string{csv1.TagDockerComposeProject: "shop"}, false, csv1.ReasonOwnershipConflict, "Docker Compose for ECS (project shop)"},
		{"adopt docker compose", map[string]string{csv1.TagDockerComposeProject: "shop"}, true, "", ""},
		{"adopt untagged", nil, true, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.cf.Seed(stackfakeSeed("shop-web", types.StackStatusCreateComplete, c.tags, tmpl))
			want := desired(1)
			want.Adopt = c.adopt
			rs, err := converge(t, e.d, want, 20)
			if c.reason != "" {
				if terminalReason(err) != c.reason || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("err = %v", err)
				}
				if e.cf.Calls("CreateChangeSet") != 0 || e.cf.Calls("DeleteStack") != 0 {
					t.Errorf("touched a stack it does not own: %v", e.cf.AllCalls())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The template matches already: the adoption is an UPDATE that adds the owner tags.
			if rs[0].ChangeSet == nil || rs[0].ChangeSet.Type != "UPDATE" || rs[len(rs)-1].Phase != PhaseConverged {
				t.Fatalf("results = %+v", rs)
			}
			if e.cf.Tags("shop-web")[csv1.TagOwnerUID] != "uid-1" {
				t.Errorf("tags after adoption = %v", e.cf.Tags("shop-web"))
			}
		})
	}
}

func TestSyncReviewStackReplacesStaleChangeSet(t *testing.T) {
	e := newEnv(t)
	// A CREATE change set for an older spec, never executed (the stack shows no tags in review).
	if _, err := e.d.Sync(context.Background(), desired(1)); err != nil {
		t.Fatal(err)
	}
	e.cf.Settle()
	rs, err := converge(t, e.d, desired(2), 20)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Action != ActionCreateChangeSet || rs[0].ChangeSet.Type != "CREATE" || rs[len(rs)-1].Phase != PhaseConverged {
		t.Fatalf("results = %v", actions(rs))
	}
	if e.cf.Template("shop-web") != string(template(2)) {
		t.Error("stack built from the stale change set")
	}
}

func TestSyncReviewStackOfAnotherOwner(t *testing.T) {
	e := newEnv(t)
	other := desired(1)
	other.Owner.UID = "uid-2"
	if _, err := e.d.Sync(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	e.cf.Settle()
	_, err := e.d.Sync(context.Background(), desired(1))
	if terminalReason(err) != csv1.ReasonOwnershipConflict {
		t.Fatalf("err = %v", err)
	}
}

func TestSyncLargeTemplateIsUploaded(t *testing.T) {
	e := newEnv(t)
	want := desired(1)
	want.TemplateBody = bigTemplate(60000)
	want.TemplateBucket = "templates-bucket"
	rs, err := converge(t, e.d, want, 20)
	if err != nil || rs[len(rs)-1].Phase != PhaseConverged {
		t.Fatalf("%v, %v", actions(rs), err)
	}
	in := e.cf.LastCreateChangeSet()
	key := templateKey(want.TemplateBody)
	if in.TemplateBody != nil || aws.ToString(in.TemplateURL) != "https://templates-bucket.s3.us-east-1.amazonaws.com/"+key {
		t.Fatalf("template passed as body=%v url=%v", in.TemplateBody != nil, aws.ToString(in.TemplateURL))
	}
	if b, ok := e.s3.Object("templates-bucket", key); !ok || string(b) != string(want.TemplateBody) {
		t.Fatal("template not uploaded under its content address")
	}
	// The same template is not uploaded twice.
	want.Tags = map[string]string{"team": "other"}
	if _, err := e.d.Sync(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	if e.s3.Calls("PutObject") != 1 || e.s3.Calls("HeadObject") != 2 {
		t.Errorf("S3 calls: put %d head %d", e.s3.Calls("PutObject"), e.s3.Calls("HeadObject"))
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
		{"over the limit", MaxTemplate + 1, "b", "more than CloudFormation accepts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			want := desired(1)
			want.TemplateBody = bigTemplate(c.size)
			want.TemplateBucket = c.bucket
			_, err := e.d.Sync(context.Background(), want)
			if terminalReason(err) != csv1.ReasonTemplateTooLarge || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v", err)
			}
			if e.cf.Calls("CreateChangeSet") != 0 || e.s3.Calls("PutObject") != 0 {
				t.Error("called AWS for a template that cannot be sent")
			}
		})
	}
}

func TestSyncPassesCapabilities(t *testing.T) {
	e := newEnv(t)
	want := desired(1)
	want.TemplateBody = []byte(`{"Resources":{"Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"shop-web","AssumeRolePolicyDocument":{}}}}}`)
	rs, err := converge(t, e.d, want, 20)
	if err != nil || rs[len(rs)-1].Phase != PhaseConverged {
		t.Fatalf("%v, %v", actions(rs), err)
	}
	caps := e.cf.LastCreateChangeSet().Capabilities
	if !slices.Equal(caps, []types.Capability{types.CapabilityCapabilityIam, types.CapabilityCapabilityNamedIam}) {
		t.Errorf("capabilities = %v", caps)
	}
}

func TestSyncRejectsIncompleteDesired(t *testing.T) {
	d := newEnv(t).d
	for _, want := range []Desired{{}, {StackName: "s"}, {StackName: "s", Owner: owner}} {
		if _, err := d.Sync(context.Background(), want); err == nil || IsTerminal(err) {
			t.Errorf("Sync(%+v) = %v", want, err)
		}
	}
}
