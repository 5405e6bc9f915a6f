package stackfake

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

const body = `{"Resources":{"A":{"Type":"AWS::ECS::Cluster"},"B":{"Type":"AWS::ECS::Service"}},"Outputs":{"Name":{"Value":"a"}}}`

var ctx = context.Background()

func fixedNow() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// run makes a change set, lets it be computed and executes it; it returns the change set ARN.
func run(t *testing.T, f *CloudFormation, csType types.ChangeSetType, name, tmpl string) string {
	t.Helper()
	out, err := f.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String("s"), ChangeSetName: aws.String(name), ChangeSetType: csType, TemplateBody: aws.String(tmpl),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.Settle()
	if _, err := f.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: out.Id}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Id)
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestChangeSetAndStackAdvanceOneStepPerDescribe(t *testing.T) {
	f := New(fixedNow)
	out, err := f.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String("s"), ChangeSetName: aws.String("c1"), ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String(body),
	})
	if err != nil {
		t.Fatal(err)
	}
	var seen []types.ChangeSetStatus
	for range 3 {
		d, err := f.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: out.Id})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, d.Status)
	}
	if want := []types.ChangeSetStatus{"CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_COMPLETE"}; !slices.Equal(seen, want) {
		t.Fatalf("change set statuses = %v", seen)
	}
	if _, err := f.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: out.Id}); err != nil {
		t.Fatal(err)
	}
	if f.Status("s") != types.StackStatusCreateInProgress {
		t.Fatalf("after execute: %s", f.Status("s"))
	}
	d, err := f.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	st := d.Stacks[0]
	if st.StackStatus != types.StackStatusCreateComplete || aws.ToString(st.ChangeSetId) != aws.ToString(out.Id) ||
		len(st.Outputs) != 1 || aws.ToString(st.Outputs[0].OutputValue) != "a" {
		t.Fatalf("stack = %+v", st)
	}
	if f.Calls("DescribeChangeSet") != 3 || f.Calls("DescribeStacks") != 1 {
		t.Errorf("calls = %v", f.AllCalls())
	}
}

func TestUpdateRollbackSequence(t *testing.T) {
	f := New(fixedNow)
	run(t, f, types.ChangeSetTypeCreate, "c1", body)
	f.Settle()
	f.FailResource("B", "boom")
	f.FailRollback(1)
	f.ManualAdvance = true
	run(t, f, types.ChangeSetTypeUpdate, "c2", strings.Replace(body, `"a"`, `"b"`, 1))
	seen := []types.StackStatus{f.Status("s")}
	for range 2 {
		f.Advance()
		seen = append(seen, f.Status("s"))
	}
	if _, err := f.ContinueUpdateRollback(ctx, &cloudformation.ContinueUpdateRollbackInput{StackName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	seen = append(seen, f.Status("s"))
	for range 2 {
		f.Advance()
		seen = append(seen, f.Status("s"))
	}
	want := []types.StackStatus{"UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_FAILED",
		"UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"}
	if !slices.Equal(seen, want) {
		t.Fatalf("statuses = %v\nwant       %v", seen, want)
	}
	if strings.Contains(f.Template("s"), `"b"`) {
		t.Error("a failed update changed the template")
	}
}

func TestEventsNewestFirstInPages(t *testing.T) {
	f := New(fixedNow)
	f.PageSize = 3
	run(t, f, types.ChangeSetTypeCreate, "c1", body)
	f.Settle()
	var all []types.StackEvent
	in := &cloudformation.DescribeStackEventsInput{StackName: aws.String("s")}
	for {
		out, err := f.DescribeStackEvents(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.StackEvents) > 3 {
			t.Fatalf("page of %d", len(out.StackEvents))
		}
		all = append(all, out.StackEvents...)
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	first, last := all[0], all[len(all)-1]
	if first.ResourceStatus != "CREATE_COMPLETE" || aws.ToString(first.LogicalResourceId) != "s" ||
		last.ResourceStatus != "REVIEW_IN_PROGRESS" || len(all) != 7 {
		t.Fatalf("events: first %s %s, last %s, %d in all", aws.ToString(first.LogicalResourceId), first.ResourceStatus, last.ResourceStatus, len(all))
	}
}

func TestErrorsAsCloudFormationGivesThem(t *testing.T) {
	f := New(fixedNow)
	if _, err := f.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("s")}); code(err) != "ValidationError" || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing stack: %v", err)
	}
	if _, err := f.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s")}); err != nil {
		t.Errorf("deleting a missing stack: %v", err)
	}
	iam := `{"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"r"}}}}`
	_, err := f.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("c"),
		ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String(iam), Capabilities: []types.Capability{types.CapabilityCapabilityIam}})
	if code(err) != "InsufficientCapabilitiesException" {
		t.Errorf("named IAM without CAPABILITY_NAMED_IAM: %v", err)
	}
	run(t, f, types.ChangeSetTypeCreate, "c1", body)
	f.Settle()
	_, err = f.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("c2"),
		ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String(body)})
	if code(err) != "ValidationError" || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("CREATE on a live stack: %v", err)
	}
	f.Throttle("ListChangeSets", 1)
	if _, err := f.ListChangeSets(ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String("s")}); code(err) != "Throttling" {
		t.Errorf("throttled: %v", err)
	}
	if _, err := f.ListChangeSets(ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String("s")}); err != nil {
		t.Errorf("after throttling: %v", err)
	}
}

func TestEmptyUpdateChangeSetFails(t *testing.T) {
	f := New(fixedNow)
	run(t, f, types.ChangeSetTypeCreate, "c1", body)
	f.Settle()
	out, err := f.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("c2"),
		ChangeSetType: types.ChangeSetTypeUpdate, TemplateBody: aws.String(body)})
	if err != nil {
		t.Fatal(err)
	}
	f.Settle()
	d, _ := f.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: out.Id})
	if d.Status != types.ChangeSetStatusFailed || !strings.Contains(aws.ToString(d.StatusReason), "didn't contain changes") {
		t.Fatalf("empty change set: %s %s", d.Status, aws.ToString(d.StatusReason))
	}
}
