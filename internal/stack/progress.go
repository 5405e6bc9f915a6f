package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Progress is how far the stack's running (or just finished) operation has got.
type Progress struct {
	// Operation is the ID of the stack event that started the operation; it changes with each operation.
	Operation string
	// Done counts the template's resources whose last event in the operation is a *_COMPLETE other than
	// DELETE_COMPLETE; Total is the number of resources in the template.
	Done, Total int
	// Events are the operation's stack events, oldest first, the stack's own included.
	Events []Event
	// Running says the operation is still under way, so that its events are read again at the next poll.
	Running bool
	// Deleting says the operation deletes the stack: Done counts the resources gone.
	Deleting bool
}

// Event is one CloudFormation stack event.
type Event struct {
	ID, LogicalID, Type, Status, Reason string
	Time                                time.Time
}

// Failed says whether the event reports a failure.
func (e Event) Failed() bool { return strings.HasSuffix(e.Status, "_FAILED") }

// String is the event in one line, as the CloudFormation console lists it.
func (e Event) String() string {
	s := fmt.Sprintf("%s %s %s", e.Type, e.LogicalID, e.Status)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Fraction is the progress as users read it: "23/57 resources".
func (p *Progress) Fraction() string {
	if p.Deleting {
		return fmt.Sprintf("%d/%d resources deleted", p.Done, p.Total)
	}
	return fmt.Sprintf("%d/%d resources", p.Done, p.Total)
}

// deleteProgress is the progress of the stack's deletion: its events, as for any operation, and of its
// resources (which CloudFormation lists with their status until the stack is gone) those deleted or skipped.
// Like progress, it is skipped when the read budget is short.
func (d *Driver) deleteProgress(ctx context.Context, st *types.Stack) (*Progress, error) {
	ctx = WithOptional(ctx)
	p, err := d.progress(ctx, st, nil)
	if p == nil || err != nil {
		return nil, err
	}
	p.Deleting = true
	in := &cloudformation.ListStackResourcesInput{StackName: st.StackId}
	for {
		out, err := d.cf.ListStackResources(ctx, in)
		if errors.Is(err, ErrOptionalSkipped) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing the resources of stack %s: %w", aws.ToString(st.StackName), err)
		}
		for _, r := range out.StackResourceSummaries {
			p.Total++
			if r.ResourceStatus == types.ResourceStatusDeleteComplete || r.ResourceStatus == types.ResourceStatusDeleteSkipped {
				p.Done++
			}
		}
		if aws.ToString(out.NextToken) == "" {
			return p, nil
		}
		in.NextToken = out.NextToken
	}
}

// operating says whether a stack status is an operation under way. REVIEW_IN_PROGRESS is not one: no
// resource moves until the change set is executed.
func operating(status string) bool {
	return strings.HasSuffix(status, "_IN_PROGRESS") && status != string(types.StackStatusReviewInProgress)
}

// followed says whether Sync reads the stack events: while an operation runs, and once more when the caller
// last saw one running, so that its last events and final count are reported too.
func followed(st *types.Stack, want Desired) bool {
	return operating(string(st.StackStatus)) || operating(want.LastStackStatus)
}

// progress reads the stack events back to the start of the last operation, and no further, and counts the
// template's resources it finished. It is a nicety: when the rate budget is short it is skipped (nil), and the
// next poll tries again.
func (d *Driver) progress(ctx context.Context, st *types.Stack, template []byte) (*Progress, error) {
	op, err := d.lastOperation(WithOptional(ctx), st)
	if errors.Is(err, ErrOptionalSkipped) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p := &Progress{Total: resourceCount(template), Running: operating(string(st.StackStatus))}
	if op.start != nil {
		p.Operation = aws.ToString(op.start.EventId)
	}
	stackName := aws.ToString(st.StackName)
	events := make([]Event, 0, len(op.events))
	for _, e := range slices.Backward(op.events) {
		events = append(events, Event{
			ID:        aws.ToString(e.EventId),
			LogicalID: aws.ToString(e.LogicalResourceId),
			Type:      aws.ToString(e.ResourceType),
			Status:    string(e.ResourceStatus),
			Reason:    aws.ToString(e.ResourceStatusReason),
			Time:      aws.ToTime(e.Timestamp),
		})
	}
	p.Events = events
	last := map[string]string{} // logical ID: its last status in the operation
	for _, e := range events {
		if e.Type != "AWS::CloudFormation::Stack" || e.LogicalID != stackName {
			last[e.LogicalID] = e.Status
		}
	}
	for _, s := range last {
		if strings.HasSuffix(s, "_COMPLETE") && s != string(types.ResourceStatusDeleteComplete) {
			p.Done++
		}
	}
	// An update's cleanup and a rollback name resources the template no longer has.
	p.Done = min(p.Done, p.Total)
	return p, nil
}

// finished is the progress of a stack that runs its template: every resource is there.
func finished(template []byte) *Progress {
	n := resourceCount(template)
	return &Progress{Done: n, Total: n}
}

// stackLevel says whether an event is about the stack itself rather than one of its resources.
func stackLevel(e types.StackEvent, stackID, stackName string) bool {
	return aws.ToString(e.LogicalResourceId) == stackName &&
		aws.ToString(e.ResourceType) == "AWS::CloudFormation::Stack" &&
		(aws.ToString(e.PhysicalResourceId) == "" || aws.ToString(e.PhysicalResourceId) == stackID)
}

// resourceCount is the number of resources a JSON template declares; 0 when it cannot be read.
func resourceCount(template []byte) int {
	var t struct {
		Resources map[string]json.RawMessage `json:"Resources"`
	}
	if err := json.Unmarshal(template, &t); err != nil {
		return 0
	}
	return len(t.Resources)
}
