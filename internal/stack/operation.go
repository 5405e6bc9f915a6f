package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// operation is what the stack events say about the stack's last operation.
type operation struct {
	// events are the operation's events, newest first, down to the one that started it.
	events []types.StackEvent
	// start is the stack-level event that started it; nil when MaxEventPages ran out first.
	start *types.StackEvent
}

// token is the ClientRequestToken of the request that started the operation: ChangeSetName(digest) for a
// stack this driver created, so that a stack made without a change set still says which spec it runs.
func (o operation) token() string {
	if o.start == nil {
		return ""
	}
	return aws.ToString(o.start.ClientRequestToken)
}

// lastOperation reads the stack events back to the start of the last operation, and no further. The steps
// of one Sync call share one reading.
func (d *Driver) lastOperation(ctx context.Context, st *types.Stack) (operation, error) {
	stackID, stackName := aws.ToString(st.StackId), aws.ToString(st.StackName)
	memo := memoOf(ctx)
	if op, ok := memo.operation(stackID); ok {
		return op, nil
	}
	var op operation
	in := &cloudformation.DescribeStackEventsInput{StackName: st.StackId}
	for page := 0; page < d.opts.MaxEventPages && op.start == nil; page++ {
		out, err := d.cf.DescribeStackEvents(ctx, in)
		if err != nil {
			return op, fmt.Errorf("reading the events of stack %s: %w", stackName, err)
		}
		for i, e := range out.StackEvents { // newest first
			op.events = append(op.events, e)
			if stackLevel(e, stackID, stackName) && operationStarts[e.ResourceStatus] {
				op.start = &out.StackEvents[i]
				break
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	memo.putOperation(stackID, op)
	return op, nil
}

// optionalKey marks a context whose calls the driver can do without.
type optionalKey struct{}

// ErrOptionalSkipped is what a rate limiter answers a call marked optional (IsOptional) when calls that
// cannot do without their answer are waiting: progress is worth a read only when the budget has room.
var ErrOptionalSkipped = errors.New("an optional call was skipped: the rate budget is spent on calls that must be made")

// WithOptional marks the calls made with ctx as ones the driver can do without (see ErrOptionalSkipped).
func WithOptional(ctx context.Context) context.Context {
	return context.WithValue(ctx, optionalKey{}, true)
}

// IsOptional says whether the calls made with ctx may be skipped when the rate budget is short.
func IsOptional(ctx context.Context) bool {
	v, _ := ctx.Value(optionalKey{}).(bool)
	return v
}
