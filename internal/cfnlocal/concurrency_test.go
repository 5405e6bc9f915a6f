package cfnlocal

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// waitStack polls DescribeStacks until the stack leaves *_IN_PROGRESS, as a
// client would; WaitIdle cannot be used while other stacks are busy.
func waitStack(ctx context.Context, c *cloudformation.Client, s *Server, id string) (cfntypes.StackStatus, error) {
	for {
		out, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(id)})
		if err != nil {
			return "", err
		}
		st := out.Stacks[0].StackStatus
		if !inProgress(string(st)) {
			return st, nil
		}
		// Yield to the operations rather than sleeping for a fixed time.
		if err := s.Settle(ctx); err != nil {
			return "", err
		}
	}
}

func TestConcurrentStacksUnderThrottling(t *testing.T) {
	e := newEnv(t, Options{Seed: 42})
	if err := e.srv.AddAPIFault(APIFault{Kind: FaultThrottle, Probability: 0.2}); err != nil {
		t.Fatal(err)
	}
	c := retryingClient(e, 20)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := fmt.Sprintf("s%d", i)
			fail := func(step string, err error) { errs <- fmt.Errorf("%s %s: %w", name, step, err) }
			var stackID string
			for j, typ := range []cfntypes.ChangeSetType{cfntypes.ChangeSetTypeCreate, cfntypes.ChangeSetTypeUpdate} {
				out, err := c.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{
					StackName: aws.String(name), ChangeSetName: aws.String(fmt.Sprintf("c%d", j)), ChangeSetType: typ,
					TemplateBody: aws.String(twoQueues), Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("Size"), ParameterValue: aws.String(fmt.Sprint(j + 1))}},
				})
				if err != nil {
					fail("create change set", err)
					return
				}
				stackID = aws.ToString(out.StackId)
				for {
					cs, err := c.DescribeChangeSet(e.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: out.Id})
					if err != nil {
						fail("describe change set", err)
						return
					}
					if cs.Status == cfntypes.ChangeSetStatusCreateComplete {
						break
					}
					if err := e.srv.Settle(e.ctx); err != nil {
						fail("settle", err)
						return
					}
				}
				if _, err := c.ExecuteChangeSet(e.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: out.Id}); err != nil {
					fail("execute", err)
					return
				}
				want := []cfntypes.StackStatus{cfntypes.StackStatusCreateComplete, cfntypes.StackStatusUpdateComplete}[j]
				if st, err := waitStack(e.ctx, c, e.srv, stackID); err != nil || st != want {
					fail("wait", fmt.Errorf("status %s, want %s (%w)", st, want, err))
					return
				}
			}
			if _, err := c.DeleteStack(e.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(stackID)}); err != nil {
				fail("delete", err)
				return
			}
			if st, err := waitStack(e.ctx, c, e.srv, stackID); err != nil || st != cfntypes.StackStatusDeleteComplete {
				fail("wait delete", fmt.Errorf("status %s (%w)", st, err))
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if e.srv.CallOutcomes()["DescribeStacks Throttling"] == 0 {
		t.Error("no call was throttled: the fault did not apply")
	}
}
