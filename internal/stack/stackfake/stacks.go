package stackfake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

type fakeStack struct {
	id, name    string
	status      types.StackStatus
	reason      string
	tags        map[string]string
	params      map[string]string
	body        string
	outputs     []types.Output
	changeSetID string
	created     time.Time
	updated     *time.Time
	deleted     *time.Time
	events      []types.StackEvent // oldest first
	pending     []func()
}

// step takes the next step of the stack's running operation. Callers hold the lock.
func (f *CloudFormation) step(s *fakeStack) {
	if len(s.pending) == 0 {
		return
	}
	next := s.pending[0]
	s.pending = s.pending[1:]
	next()
}

func (f *CloudFormation) event(s *fakeStack, logicalID, typ, physicalID string, status types.ResourceStatus, reason string) {
	e := types.StackEvent{
		EventId:            aws.String(f.nextID()),
		StackId:            aws.String(s.id),
		StackName:          aws.String(s.name),
		LogicalResourceId:  aws.String(logicalID),
		PhysicalResourceId: aws.String(physicalID),
		ResourceType:       aws.String(typ),
		ResourceStatus:     status,
		Timestamp:          aws.Time(f.now()),
	}
	if reason != "" {
		e.ResourceStatusReason = aws.String(reason)
	}
	s.events = append(s.events, e)
}

// setStatus moves the stack to status and records the stack-level event.
func (f *CloudFormation) setStatus(s *fakeStack, status types.StackStatus, reason string) {
	s.status, s.reason = status, reason
	f.event(s, s.name, "AWS::CloudFormation::Stack", s.id, types.ResourceStatus(status), reason)
}

func (f *CloudFormation) resourceEvents(s *fakeStack, t template, ids []string, status types.ResourceStatus, reason string) {
	for _, id := range ids {
		f.event(s, id, t.Resources[id].Type, s.name+"-"+id, status, reason)
	}
}

// failing returns the resources of t whose injected failure applies, and their reasons.
func failing(t template, failures map[string]string) []string {
	var out []string
	for _, id := range t.logicalIDs() {
		if _, ok := failures[id]; ok {
			out = append(out, id)
		}
	}
	return out
}

func without(all, drop []string) []string {
	return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(drop, s) })
}

// execute starts the operation of change set c on its stack. Callers hold the lock.
func (f *CloudFormation) execute(s *fakeStack, c *fakeChangeSet) {
	t, _ := parseTemplate(c.body)
	ids := t.logicalIDs()
	bad := failing(t, f.failResources)
	s.changeSetID = c.id
	c.execStatus = types.ExecutionStatusExecuteInProgress
	for id, other := range f.changeSets {
		if other.stackID == s.id && id != c.id {
			delete(f.changeSets, id) // CloudFormation drops the other change sets of an executed stack
		}
	}
	finish := func(status types.ExecutionStatus) { c.execStatus = status }
	apply := func() {
		s.body, s.params, s.tags, s.outputs = c.body, maps.Clone(c.params), maps.Clone(c.tags), t.outputs()
		now := f.now()
		s.updated = &now
	}
	if c.csType == types.ChangeSetTypeCreate {
		s.tags = maps.Clone(c.tags) // a new stack has its tags from the start
		f.setStatus(s, types.StackStatusCreateInProgress, "User Initiated")
		f.resourceEvents(s, t, ids, types.ResourceStatusCreateInProgress, "")
		if len(bad) == 0 {
			s.pending = append(s.pending, func() {
				f.resourceEvents(s, t, ids, types.ResourceStatusCreateComplete, "")
				apply()
				f.setStatus(s, types.StackStatusCreateComplete, "")
				finish(types.ExecutionStatusExecuteComplete)
			})
			return
		}
		s.pending = append(s.pending,
			func() {
				for _, id := range bad {
					f.resourceEvents(s, t, []string{id}, types.ResourceStatusCreateFailed, f.failResources[id])
				}
				f.resourceEvents(s, t, without(ids, bad), types.ResourceStatusCreateFailed, "Resource creation cancelled")
				f.setStatus(s, types.StackStatusRollbackInProgress,
					fmt.Sprintf("The following resource(s) failed to create: [%s]. Rollback requested by user.", strings.Join(bad, ", ")))
			},
			func() {
				f.resourceEvents(s, t, ids, types.ResourceStatusDeleteComplete, "")
				f.setStatus(s, types.StackStatusRollbackComplete, "")
				finish(types.ExecutionStatusExecuteFailed)
			})
		return
	}
	f.setStatus(s, types.StackStatusUpdateInProgress, "User Initiated")
	f.resourceEvents(s, t, ids, types.ResourceStatusUpdateInProgress, "")
	if len(bad) == 0 {
		s.pending = append(s.pending,
			func() {
				f.resourceEvents(s, t, ids, types.ResourceStatusUpdateComplete, "")
				apply()
				f.setStatus(s, types.StackStatusUpdateCompleteCleanupInProgress, "")
			},
			func() {
				f.setStatus(s, types.StackStatusUpdateComplete, "")
				finish(types.ExecutionStatusExecuteComplete)
			})
		return
	}
	s.pending = append(s.pending, func() {
		for _, id := range bad {
			f.resourceEvents(s, t, []string{id}, types.ResourceStatusUpdateFailed, f.failResources[id])
		}
		f.resourceEvents(s, t, without(ids, bad), types.ResourceStatusUpdateFailed, "Resource update cancelled")
		f.setStatus(s, types.StackStatusUpdateRollbackInProgress,
			fmt.Sprintf("The following resource(s) failed to update: [%s].", strings.Join(bad, ", ")))
		finish(types.ExecutionStatusExecuteFailed)
	})
	f.rollback(s, t, bad[0])
}

// rollback queues the end of an update rollback: it fails while FailRollback has rollbacks left.
func (f *CloudFormation) rollback(s *fakeStack, t template, culprit string) {
	s.pending = append(s.pending, func() {
		if f.failRollbacks > 0 {
			f.failRollbacks--
			f.resourceEvents(s, t, []string{culprit}, types.ResourceStatusUpdateFailed, "Resource rollback failed")
			f.setStatus(s, types.StackStatusUpdateRollbackFailed,
				fmt.Sprintf("The following resource(s) failed to update: [%s].", culprit))
			return
		}
		f.setStatus(s, types.StackStatusUpdateRollbackCompleteCleanupInProgress, "")
		s.pending = append(s.pending, func() { f.setStatus(s, types.StackStatusUpdateRollbackComplete, "") })
	})
}

// DescribeStacks returns the stack by name (live stacks only) or ID (deleted ones too), and takes one step
// of its running operation first.
func (f *CloudFormation) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DescribeStacks"); err != nil {
		return nil, err
	}
	name := aws.ToString(in.StackName)
	s := f.lookup(name, true)
	if s == nil {
		return nil, notFound(name)
	}
	if !f.ManualAdvance {
		f.step(s)
	}
	if s.status == types.StackStatusDeleteComplete && s.id != name {
		return nil, notFound(name)
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []types.Stack{f.describe(s)}}, nil
}

func (f *CloudFormation) describe(s *fakeStack) types.Stack {
	st := types.Stack{
		StackId:         aws.String(s.id),
		StackName:       aws.String(s.name),
		StackStatus:     s.status,
		CreationTime:    aws.Time(s.created),
		LastUpdatedTime: s.updated,
		DeletionTime:    s.deleted,
		Outputs:         slices.Clone(s.outputs),
	}
	if s.reason != "" {
		st.StackStatusReason = aws.String(s.reason)
	}
	if s.changeSetID != "" && !f.OmitChangeSetID {
		st.ChangeSetId = aws.String(s.changeSetID)
	}
	for _, k := range slices.Sorted(maps.Keys(s.tags)) {
		st.Tags = append(st.Tags, types.Tag{Key: aws.String(k), Value: aws.String(s.tags[k])})
	}
	for _, k := range slices.Sorted(maps.Keys(s.params)) {
		st.Parameters = append(st.Parameters, types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(s.params[k])})
	}
	return st
}

// DescribeStackEvents returns the stack's events, newest first, PageSize at a time.
func (f *CloudFormation) DescribeStackEvents(_ context.Context, in *cloudformation.DescribeStackEventsInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DescribeStackEvents"); err != nil {
		return nil, err
	}
	s := f.lookup(aws.ToString(in.StackName), true)
	if s == nil {
		return nil, notFound(aws.ToString(in.StackName))
	}
	events := slices.Clone(s.events)
	slices.Reverse(events)
	page, next := paginate(events, aws.ToString(in.NextToken), f.PageSize)
	return &cloudformation.DescribeStackEventsOutput{StackEvents: page, NextToken: next}, nil
}

func paginate[T any](all []T, token string, size int) ([]T, *string) {
	start, _ := strconv.Atoi(token)
	start = min(start, len(all))
	end := min(start+size, len(all))
	if end < len(all) {
		return all[start:end], aws.String(strconv.Itoa(end))
	}
	return all[start:end], nil
}

// DeleteStack starts deleting the stack; an unknown or deleting stack is no error, as in CloudFormation.
func (f *CloudFormation) DeleteStack(_ context.Context, in *cloudformation.DeleteStackInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DeleteStack"); err != nil {
		return nil, err
	}
	s := f.lookup(aws.ToString(in.StackName), false)
	if s == nil || s.status == types.StackStatusDeleteInProgress {
		return &cloudformation.DeleteStackOutput{}, nil
	}
	if f.protected[s.name] {
		return nil, validationError("Stack [%s] cannot be deleted while TerminationProtection is enabled", s.name)
	}
	t, _ := parseTemplate(s.body)
	ids := t.logicalIDs()
	bad := failing(t, f.failDeletes)
	f.setStatus(s, types.StackStatusDeleteInProgress, "User Initiated")
	now := f.now()
	s.deleted = &now
	s.pending = []func(){func() {
		f.resourceEvents(s, t, without(ids, bad), types.ResourceStatusDeleteComplete, "")
		if len(bad) > 0 {
			for _, id := range bad {
				f.resourceEvents(s, t, []string{id}, types.ResourceStatusDeleteFailed, f.failDeletes[id])
			}
			f.setStatus(s, types.StackStatusDeleteFailed,
				fmt.Sprintf("The following resource(s) failed to delete: [%s]. ", strings.Join(bad, ", ")))
			return
		}
		f.setStatus(s, types.StackStatusDeleteComplete, "")
		for id, c := range f.changeSets {
			if c.stackID == s.id {
				delete(f.changeSets, id)
			}
		}
	}}
	return &cloudformation.DeleteStackOutput{}, nil
}

// ContinueUpdateRollback resumes the rollback of a stack in UPDATE_ROLLBACK_FAILED.
func (f *CloudFormation) ContinueUpdateRollback(_ context.Context, in *cloudformation.ContinueUpdateRollbackInput, _ ...func(*cloudformation.Options)) (*cloudformation.ContinueUpdateRollbackOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ContinueUpdateRollback"); err != nil {
		return nil, err
	}
	name := aws.ToString(in.StackName)
	s := f.lookup(name, false)
	if s == nil {
		return nil, notFound(name)
	}
	if s.status != types.StackStatusUpdateRollbackFailed {
		return nil, validationError("Stack %s is in %s state and cannot be rolled back", s.name, s.status)
	}
	t, _ := parseTemplate(s.body)
	f.setStatus(s, types.StackStatusUpdateRollbackInProgress, "User Initiated")
	culprit := "unknown"
	if ids := t.logicalIDs(); len(ids) > 0 {
		culprit = ids[0]
	}
	f.rollback(s, t, culprit)
	return &cloudformation.ContinueUpdateRollbackOutput{}, nil
}
