package stack

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// slowPages answers DescribeStacks for all stacks with one page, after a delay longer than the age a busy
// stack's reading may have: as with thousands of stacks read at an account's rate.
type slowPages struct {
	CloudFormationAPI
	delay    time.Duration
	readings atomic.Int32
}

func (s *slowPages) DescribeStacks(ctx context.Context, _ *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	s.readings.Add(1)
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []types.Stack{{
		StackName: aws.String("busy"), StackStatus: types.StackStatusCreateInProgress,
		Tags: []types.Tag{{Key: aws.String(csv1.TagOwnerUID), Value: aws.String("uid")}},
	}}}, nil
}

// TestCallersShareASlowReading checks that callers queued behind a reading of all stacks take what it found,
// even when it took longer than the age they asked for, instead of each reading every page again.
func TestCallersShareASlowReading(t *testing.T) {
	cf := &slowPages{delay: 50 * time.Millisecond}
	o := newObserver(cf, time.Now)
	const callers = 8
	var wg sync.WaitGroup
	var found atomic.Int32
	for range callers {
		wg.Go(func() {
			st, ok, err := o.lookup(context.Background(), "busy", time.Hour, 10*time.Millisecond)
			if err != nil {
				t.Error(err)
				return
			}
			if ok && st != nil {
				found.Add(1)
			}
		})
	}
	wg.Wait()
	if n := cf.readings.Load(); n != 1 {
		t.Errorf("%d readings of all stacks for %d callers that asked at once; want 1", n, callers)
	}
	if n := found.Load(); n != callers {
		t.Errorf("%d of %d callers found the stack in the reading", n, callers)
	}
}
