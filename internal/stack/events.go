package stack

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// maxFailedResources bounds the root cause reported: the first few failures explain the rest.
const maxFailedResources = 10

// operationStarts are the stack-level statuses that begin an operation. Rollbacks and cleanups belong to
// the operation they follow.
var operationStarts = map[types.ResourceStatus]bool{
	types.ResourceStatusCreateInProgress: true,
	types.ResourceStatusUpdateInProgress: true,
	types.ResourceStatusDeleteInProgress: true,
	types.ResourceStatusImportInProgress: true,
}

// failure is what the stack events say about the last operation.
type failure struct {
	// resources are the first resources that failed, oldest first.
	resources []FailedResource
	// since is when the stack entered its current status.
	since time.Time
	// started says the reading reached the operation's start, so token is known.
	started bool
}

// rootCause reads the stack events back to the start of the last operation and returns the resources that
// failed first. Resources that failed only because the operation was cancelled ("Resource creation
// cancelled") are left out unless nothing else failed.
func (d *Driver) rootCause(ctx context.Context, st *types.Stack) (failure, error) {
	var f failure
	op, err := d.lastOperation(ctx, st)
	if err != nil {
		return f, err
	}
	f.started = op.start != nil
	var failed, cancelled []FailedResource
	stackID, stackName := aws.ToString(st.StackId), aws.ToString(st.StackName)
	for _, e := range op.events { // newest first
		if stackLevel(e, stackID, stackName) {
			if f.since.IsZero() {
				f.since = aws.ToTime(e.Timestamp)
			}
			continue
		}
		if !strings.HasSuffix(string(e.ResourceStatus), "_FAILED") {
			continue
		}
		r := FailedResource{
			LogicalID: aws.ToString(e.LogicalResourceId),
			Type:      aws.ToString(e.ResourceType),
			Status:    string(e.ResourceStatus),
			Reason:    aws.ToString(e.ResourceStatusReason),
		}
		if containsFold(r.Reason, "cancelled") || containsFold(r.Reason, "canceled") {
			cancelled = append(cancelled, r)
		} else {
			failed = append(failed, r)
		}
	}
	if len(failed) == 0 {
		failed = cancelled
	}
	slices.Reverse(failed)
	if len(failed) > maxFailedResources {
		failed = failed[:maxFailedResources]
	}
	f.resources = failed
	if f.since.IsZero() {
		f.since = lastChange(st)
	}
	return f, nil
}

// lastChange is when the stack last changed, by its own timestamps.
func lastChange(st *types.Stack) time.Time {
	t := aws.ToTime(st.CreationTime)
	for _, u := range []*time.Time{st.LastUpdatedTime, st.DeletionTime} {
		if u != nil && u.After(t) {
			t = *u
		}
	}
	return t
}
