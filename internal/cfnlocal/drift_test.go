package cfnlocal

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

const driftTemplate = `{"Resources": {
  "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7, "Tags": [{"Key": "a", "Value": "b"}]}},
  "Other": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 1}}}}`

// detect runs a drift detection to completion and returns its status.
func (e *env) detect(t *testing.T, name string) *cloudformation.DescribeStackDriftDetectionStatusOutput {
	t.Helper()
	out, err := e.cfn.DetectStackDrift(e.ctx, &cloudformation.DetectStackDriftInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatalf("detect stack drift: %v", err)
	}
	e.idle(t)
	st, err := e.cfn.DescribeStackDriftDetectionStatus(e.ctx, &cloudformation.DescribeStackDriftDetectionStatusInput{StackDriftDetectionId: out.StackDriftDetectionId})
	if err != nil {
		t.Fatalf("describe drift detection status: %v", err)
	}
	return st
}

func (e *env) drifts(t *testing.T, name string) []cfntypes.StackResourceDrift {
	t.Helper()
	out, err := e.cfn.DescribeStackResourceDrifts(e.ctx, &cloudformation.DescribeStackResourceDriftsInput{
		StackName:                       aws.String(name),
		StackResourceDriftStatusFilters: []cfntypes.StackResourceDriftStatus{cfntypes.StackResourceDriftStatusModified, cfntypes.StackResourceDriftStatusDeleted},
	})
	if err != nil {
		t.Fatalf("describe stack resource drifts: %v", err)
	}
	return out.StackResourceDrifts
}

func TestDriftDetectionFindsOutOfBandChanges(t *testing.T) {
	e := newEnv(t, Options{})
	e.deploy(t, "s", driftTemplate, nil)
	if got := e.stack(t, "s").DriftInformation.StackDriftStatus; got != cfntypes.StackDriftStatusNotChecked {
		t.Errorf("drift status before any detection = %s, want NOT_CHECKED", got)
	}
	if st := e.detect(t, "s"); st.StackDriftStatus != cfntypes.StackDriftStatusInSync || st.DetectionStatus != cfntypes.StackDriftDetectionStatusDetectionComplete {
		t.Fatalf("detection on an untouched stack = %s/%s, want IN_SYNC/DETECTION_COMPLETE", st.StackDriftStatus, st.DetectionStatus)
	}

	// Through the admin endpoint, as the cfnlocal binary is driven.
	body, _ := json.Marshal(ResourceDrift{StackName: "s", LogicalResourceID: "Logs", Properties: map[string]any{"RetentionInDays": 30, "Tags": nil, "KmsKeyId": "k"}})
	resp, err := http.Post(e.ts.URL+"/_cfnlocal/drift", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /_cfnlocal/drift = %d", resp.StatusCode)
	}
	if err := e.srv.DriftResource(ResourceDrift{StackName: "s", LogicalResourceID: "Other", Delete: true}); err != nil {
		t.Fatal(err)
	}

	st := e.detect(t, "s")
	if st.StackDriftStatus != cfntypes.StackDriftStatusDrifted || aws.ToInt32(st.DriftedStackResourceCount) != 2 {
		t.Fatalf("detection = %s with %d drifted, want DRIFTED with 2", st.StackDriftStatus, aws.ToInt32(st.DriftedStackResourceCount))
	}
	if got := e.stack(t, "s").DriftInformation; got.StackDriftStatus != cfntypes.StackDriftStatusDrifted || got.LastCheckTimestamp == nil {
		t.Errorf("stack drift information = %+v, want DRIFTED with a check time", got)
	}
	drifts := e.drifts(t, "s")
	if len(drifts) != 2 {
		t.Fatalf("got %d drifted resources, want 2", len(drifts))
	}
	logs, other := drifts[0], drifts[1]
	if logs.StackResourceDriftStatus != cfntypes.StackResourceDriftStatusModified || other.StackResourceDriftStatus != cfntypes.StackResourceDriftStatusDeleted {
		t.Errorf("statuses = %s, %s; want MODIFIED, DELETED", logs.StackResourceDriftStatus, other.StackResourceDriftStatus)
	}
	var got []string
	for _, d := range logs.PropertyDifferences {
		got = append(got, aws.ToString(d.PropertyPath)+" "+string(d.DifferenceType)+" "+aws.ToString(d.ExpectedValue)+" -> "+aws.ToString(d.ActualValue))
	}
	equalLines(t, got, []string{
		"/KmsKeyId ADD null -> k",
		"/RetentionInDays NOT_EQUAL 7 -> 30",
		`/Tags REMOVE [{"Key":"a","Value":"b"}] -> null`,
	})
}

func TestDriftSurvivesPlainUpdateAndRevertDriftChangeSetCorrectsIt(t *testing.T) {
	e := newEnv(t, Options{})
	e.deploy(t, "s", driftTemplate, nil)
	if err := e.srv.DriftResource(ResourceDrift{StackName: "s", LogicalResourceID: "Logs", Properties: map[string]any{"RetentionInDays": 30}}); err != nil {
		t.Fatal(err)
	}

	// The same template again has nothing to change: CloudFormation compares templates, not resources.
	id := e.changeSet(t, "s", "same", cfntypes.ChangeSetTypeUpdate, driftTemplate, nil)
	cs, err := e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != cfntypes.ChangeSetStatusFailed {
		t.Fatalf("plain change set with the same template = %s, want FAILED (no changes)", cs.Status)
	}

	// An update of another property leaves the drifted one drifted.
	changed := `{"Resources": {
  "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7, "Tags": [{"Key": "a", "Value": "c"}]}},
  "Other": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 1}}}}`
	e.execute(t, e.changeSet(t, "s", "tags", cfntypes.ChangeSetTypeUpdate, changed, nil))
	e.detect(t, "s")
	if d := e.drifts(t, "s"); len(d) != 1 || len(d[0].PropertyDifferences) != 1 {
		t.Fatalf("after a plain update of another property: %d drifted resources, want the one still drifted", len(d))
	}

	// A drift-aware change set with the unchanged template modifies the drifted resource and ends the drift.
	out, err := e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String("s"), ChangeSetName: aws.String("revert"), ChangeSetType: cfntypes.ChangeSetTypeUpdate,
		UsePreviousTemplate: aws.Bool(true), DeploymentMode: cfntypes.DeploymentModeRevertDrift,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	cs, err = e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: out.Id})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != cfntypes.ChangeSetStatusCreateComplete || len(cs.Changes) != 1 || aws.ToString(cs.Changes[0].ResourceChange.LogicalResourceId) != "Logs" || cs.DeploymentMode != cfntypes.DeploymentModeRevertDrift {
		t.Fatalf("revert change set = %s with %d changes (mode %s), want CREATE_COMPLETE modifying Logs", cs.Status, len(cs.Changes), cs.DeploymentMode)
	}
	e.execute(t, aws.ToString(out.Id))
	if st := e.detect(t, "s"); st.StackDriftStatus != cfntypes.StackDriftStatusInSync {
		t.Errorf("after the revert change set: %s, want IN_SYNC", st.StackDriftStatus)
	}
}

func TestDriftDetectionValidation(t *testing.T) {
	e := newEnv(t, Options{ManualStep: true})
	_, err := e.cfn.DetectStackDrift(e.ctx, &cloudformation.DetectStackDriftInput{StackName: aws.String("none")})
	apiErr(t, err, "ValidationError", 400, "does not exist")
	_, err = e.cfn.DescribeStackDriftDetectionStatus(e.ctx, &cloudformation.DescribeStackDriftDetectionStatusInput{StackDriftDetectionId: aws.String("nope")})
	apiErr(t, err, "ValidationError", 400, "does not exist")

	// A stack being created cannot be checked.
	if _, err := e.cfn.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String("s"), TemplateBody: aws.String(driftTemplate)}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Settle(e.ctx); err != nil {
		t.Fatal(err)
	}
	_, err = e.cfn.DetectStackDrift(e.ctx, &cloudformation.DetectStackDriftInput{StackName: aws.String("s")})
	apiErr(t, err, "ValidationError", 400, "CREATE_IN_PROGRESS")
	for e.stack(t, "s").StackStatus != cfntypes.StackStatusCreateComplete {
		if err := e.srv.Step(e.ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.srv.Settle(e.ctx); err != nil {
			t.Fatal(err)
		}
	}

	// A detection runs asynchronously; a second one waits for it.
	out, err := e.cfn.DetectStackDrift(e.ctx, &cloudformation.DetectStackDriftInput{StackName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Settle(e.ctx); err != nil {
		t.Fatal(err)
	}
	st, err := e.cfn.DescribeStackDriftDetectionStatus(e.ctx, &cloudformation.DescribeStackDriftDetectionStatusInput{StackDriftDetectionId: out.StackDriftDetectionId})
	if err != nil || st.DetectionStatus != cfntypes.StackDriftDetectionStatusDetectionInProgress {
		t.Fatalf("detection status before its step = %v, %v; want DETECTION_IN_PROGRESS", st, err)
	}
	_, err = e.cfn.DetectStackDrift(e.ctx, &cloudformation.DetectStackDriftInput{StackName: aws.String("s")})
	apiErr(t, err, "ValidationError", 400, "already in progress")
	if err := e.srv.Step(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	st, err = e.cfn.DescribeStackDriftDetectionStatus(e.ctx, &cloudformation.DescribeStackDriftDetectionStatusInput{StackDriftDetectionId: out.StackDriftDetectionId})
	if err != nil || st.DetectionStatus != cfntypes.StackDriftDetectionStatusDetectionComplete || st.StackDriftStatus != cfntypes.StackDriftStatusInSync {
		t.Fatalf("detection status after its step = %+v, %v; want DETECTION_COMPLETE, IN_SYNC", st, err)
	}

	if err := e.srv.DriftResource(ResourceDrift{StackName: "s", LogicalResourceID: "Missing", Delete: true}); err == nil {
		t.Error("drifting a resource the stack does not have succeeded")
	}
	if err := e.srv.DriftResource(ResourceDrift{StackName: "s", LogicalResourceID: "Logs"}); err == nil {
		t.Error("a drift with neither properties nor delete succeeded")
	}
}
