package cfnlocal

import (
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go"
)

// TestRateLimitsThrottleBeyondTheRate checks that calls beyond a class's rate are answered as CloudFormation
// answers them, that classes and limited operations have their own budgets, and that throttles are counted.
func TestRateLimitsThrottleBeyondTheRate(t *testing.T) {
	// Rates so low that no token comes back while the test runs.
	e := newEnv(t, Options{RateLimits: RateLimits{Reads: 0.01, Writes: 0.01, Operations: map[string]float64{"DescribeChangeSet": 0.01}}})
	describe := func() error {
		_, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{})
		return err
	}
	if err := describe(); err != nil {
		t.Fatalf("first read within the rate: %v", err)
	}
	apiErr(t, describe(), "Throttling", http.StatusBadRequest, "Rate exceeded")
	// Another read shares the class's budget, which is spent.
	_, err := e.cfn.ListChangeSets(e.ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String("none")})
	apiErr(t, err, "Throttling", http.StatusBadRequest, "Rate exceeded")
	// An operation limited on its own has its own budget.
	_, err = e.cfn.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String("cs"), StackName: aws.String("none")})
	if isThrottling(err) {
		t.Fatalf("DescribeChangeSet has its own rate: %v", err)
	}
	// Writes have theirs: this one gets past the limit to the handler, which finds no stack.
	_, err = e.cfn.DeleteChangeSet(e.ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: aws.String("cs"), StackName: aws.String("none")})
	if isThrottling(err) {
		t.Fatalf("the first write was throttled: %v", err)
	}
	_, err = e.cfn.DeleteChangeSet(e.ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: aws.String("cs"), StackName: aws.String("none")})
	apiErr(t, err, "Throttling", http.StatusBadRequest, "Rate exceeded")

	out := e.srv.CallOutcomes()
	for k, want := range map[string]int{"DescribeStacks Throttling": 1, "ListChangeSets Throttling": 1, "DeleteChangeSet Throttling": 1, "DescribeChangeSet Throttling": 0} {
		if out[k] != want {
			t.Errorf("%s = %d; want %d (all: %v)", k, out[k], want, out)
		}
	}
}

// TestNoRateLimitsByDefault checks that an endpoint without limits never throttles.
func TestNoRateLimitsByDefault(t *testing.T) {
	e := newEnv(t, Options{})
	for range 50 {
		if _, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{}); err != nil {
			t.Fatal(err)
		}
	}
}

func isThrottling(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "Throttling"
}
