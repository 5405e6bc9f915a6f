package cfnlocal

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// A stack made by a CREATE change set that was never executed (REVIEW_IN_PROGRESS) has no template yet;
// deleting it must still complete, as in CloudFormation.
func TestDeleteStackInReview(t *testing.T) {
	e := newEnv(t, Options{})
	out, err := e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String("s"), ChangeSetName: aws.String("c"), ChangeSetType: cfntypes.ChangeSetTypeCreate,
		TemplateBody: aws.String("Resources:\n  A: {Type: AWS::SNS::Topic}\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if st := e.stack(t, "s"); st.StackStatus != cfntypes.StackStatusReviewInProgress {
		t.Fatalf("status %s, want REVIEW_IN_PROGRESS", st.StackStatus)
	}
	if _, err := e.cfn.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if st := e.stack(t, aws.ToString(out.StackId)); st.StackStatus != cfntypes.StackStatusDeleteComplete {
		t.Fatalf("status %s, want DELETE_COMPLETE", st.StackStatus)
	}
	if _, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("s")}); err == nil {
		t.Fatal("the deleted stack is still found by name")
	}
}

// A stack in review shows the tags of the CREATE change set that made it, as in CloudFormation, so that a
// reading of all stacks tells whose it is.
func TestStackInReviewShowsChangeSetTags(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String("s"), ChangeSetName: aws.String("c"), ChangeSetType: cfntypes.ChangeSetTypeCreate,
		TemplateBody: aws.String("Resources:\n  A: {Type: AWS::SNS::Topic}\n"),
		Tags:         []cfntypes.Tag{{Key: aws.String("owner"), Value: aws.String("me")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	st := e.stack(t, "s")
	if st.StackStatus != cfntypes.StackStatusReviewInProgress {
		t.Fatalf("status %s, want REVIEW_IN_PROGRESS", st.StackStatus)
	}
	if len(st.Tags) != 1 || aws.ToString(st.Tags[0].Key) != "owner" || aws.ToString(st.Tags[0].Value) != "me" {
		t.Fatalf("tags in review = %v, want owner=me", st.Tags)
	}
}
