package stackfake

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// noChanges is CloudFormation's reason for a change set that would change nothing.
const noChanges = "The submitted information didn't contain changes. Submit different information to create a change set."

type fakeChangeSet struct {
	id, name, stackID, stackName string
	csType                       types.ChangeSetType
	status                       types.ChangeSetStatus
	execStatus                   types.ExecutionStatus
	reason                       string
	body                         string
	params, tags                 map[string]string
	created                      time.Time
	pending                      []func()
}

func (c *fakeChangeSet) step() {
	if len(c.pending) == 0 {
		return
	}
	next := c.pending[0]
	c.pending = c.pending[1:]
	next()
}

func (c *fakeChangeSet) summary() types.ChangeSetSummary {
	s := types.ChangeSetSummary{
		ChangeSetId:     aws.String(c.id),
		ChangeSetName:   aws.String(c.name),
		StackId:         aws.String(c.stackID),
		StackName:       aws.String(c.stackName),
		Status:          c.status,
		ExecutionStatus: c.execStatus,
		CreationTime:    aws.Time(c.created),
	}
	if c.reason != "" {
		s.StatusReason = aws.String(c.reason)
	}
	return s
}

// findChangeSet finds a change set by ARN, or by name within the stack named stack.
func (f *CloudFormation) findChangeSet(nameOrID, stack string) *fakeChangeSet {
	if c, ok := f.changeSets[nameOrID]; ok {
		return c
	}
	s := f.lookup(stack, true)
	if s == nil {
		return nil
	}
	for _, c := range f.changeSets {
		if c.name == nameOrID && c.stackID == s.id {
			return c
		}
	}
	return nil
}

func changeSetNotFound(name string) error {
	return apiError("ChangeSetNotFound", "ChangeSet [%s] does not exist", name)
}

func toMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func paramMap(ps []types.Parameter) map[string]string {
	m := map[string]string{}
	for _, p := range ps {
		m[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	return m
}

// templateBody reads the template inline or, by URL, from the fake S3.
func (f *CloudFormation) templateBody(in *cloudformation.CreateChangeSetInput) (string, error) {
	if in.TemplateURL == nil {
		body := aws.ToString(in.TemplateBody)
		if len(body) > 51200 {
			return "", validationError("1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200")
		}
		return body, nil
	}
	u, err := url.Parse(aws.ToString(in.TemplateURL))
	if err != nil || f.S3 == nil {
		return "", validationError("TemplateURL must be a supported URL.")
	}
	bucket, key := strings.SplitN(u.Host, ".", 2)[0], strings.TrimPrefix(u.Path, "/")
	if strings.HasPrefix(u.Host, "s3.") {
		bucket, key, _ = strings.Cut(key, "/")
	}
	body, ok := f.S3.Object(bucket, key)
	if !ok {
		return "", validationError("S3 error: Access Denied")
	}
	return string(body), nil
}

// CreateChangeSet creates a change set, and for CREATE a stack in REVIEW_IN_PROGRESS. The change set is
// computed over the next two steps.
func (f *CloudFormation) CreateChangeSet(_ context.Context, in *cloudformation.CreateChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateChangeSet"); err != nil {
		return nil, err
	}
	f.lastCreate = in
	name, csName := aws.ToString(in.StackName), aws.ToString(in.ChangeSetName)
	body, err := f.templateBody(in)
	if err != nil {
		return nil, err
	}
	t, err := parseTemplate(body)
	if err != nil {
		return nil, err
	}
	if need := t.requiredCapability(); need != "" && !slices.Contains(in.Capabilities, need) {
		return nil, apiError("InsufficientCapabilitiesException", "Requires capabilities : [%s]", need)
	}
	s := f.lookup(name, false)
	switch in.ChangeSetType {
	case types.ChangeSetTypeCreate:
		if s != nil && s.status != types.StackStatusReviewInProgress {
			return nil, validationError("Stack [%s] already exists and cannot be created again with the changeSet [%s].", name, csName)
		}
		if s == nil {
			id := fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", f.Region, f.Account, name, f.nextID())
			s = &fakeStack{id: id, name: name, created: f.now()}
			f.stacks[id] = s
			f.setStatus(s, types.StackStatusReviewInProgress, "User Initiated")
		}
	default:
		if s == nil {
			return nil, validationError("Stack [%s] does not exist", name)
		}
		if strings.HasSuffix(string(s.status), "_IN_PROGRESS") {
			return nil, validationError("Stack:%s is in %s state and can not be updated.", s.id, s.status)
		}
	}
	for _, c := range f.changeSets {
		if c.stackID == s.id && c.name == csName {
			return nil, apiError("AlreadyExistsException", "ChangeSet %s already exists", csName)
		}
	}
	c := &fakeChangeSet{
		id:   fmt.Sprintf("arn:aws:cloudformation:%s:%s:changeSet/%s/%s", f.Region, f.Account, csName, f.nextID()),
		name: csName, stackID: s.id, stackName: s.name,
		csType: in.ChangeSetType, status: types.ChangeSetStatusCreatePending, execStatus: types.ExecutionStatusUnavailable,
		body: body, params: paramMap(in.Parameters), tags: toMap(in.Tags), created: f.now(),
	}
	var failure string
	if len(f.failChangeSets) > 0 {
		failure, f.failChangeSets = f.failChangeSets[0], f.failChangeSets[1:]
	}
	empty := in.ChangeSetType == types.ChangeSetTypeUpdate && s.body == body &&
		maps.Equal(s.params, c.params) && maps.Equal(s.tags, c.tags)
	c.pending = []func(){
		func() { c.status = types.ChangeSetStatusCreateInProgress },
		func() {
			switch {
			case failure != "":
				c.status, c.reason = types.ChangeSetStatusFailed, failure
			case empty:
				c.status, c.reason = types.ChangeSetStatusFailed, noChanges
			default:
				c.status, c.execStatus = types.ChangeSetStatusCreateComplete, types.ExecutionStatusAvailable
			}
		},
	}
	f.changeSets[c.id] = c
	return &cloudformation.CreateChangeSetOutput{Id: aws.String(c.id), StackId: aws.String(s.id)}, nil
}

// DescribeChangeSet describes a change set and takes one step of its computation first.
func (f *CloudFormation) DescribeChangeSet(_ context.Context, in *cloudformation.DescribeChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DescribeChangeSet"); err != nil {
		return nil, err
	}
	c := f.findChangeSet(aws.ToString(in.ChangeSetName), aws.ToString(in.StackName))
	if c == nil {
		return nil, changeSetNotFound(aws.ToString(in.ChangeSetName))
	}
	if !f.ManualAdvance {
		c.step()
	}
	out := &cloudformation.DescribeChangeSetOutput{
		ChangeSetId: aws.String(c.id), ChangeSetName: aws.String(c.name),
		StackId: aws.String(c.stackID), StackName: aws.String(c.stackName),
		Status: c.status, ExecutionStatus: c.execStatus, CreationTime: aws.Time(c.created),
	}
	if c.reason != "" {
		out.StatusReason = aws.String(c.reason)
	}
	for _, k := range slices.Sorted(maps.Keys(c.tags)) {
		out.Tags = append(out.Tags, types.Tag{Key: aws.String(k), Value: aws.String(c.tags[k])})
	}
	return out, nil
}

// ListChangeSets lists the change sets of one stack, PageSize at a time, taking one step of each first.
func (f *CloudFormation) ListChangeSets(_ context.Context, in *cloudformation.ListChangeSetsInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListChangeSetsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ListChangeSets"); err != nil {
		return nil, err
	}
	s := f.lookup(aws.ToString(in.StackName), true)
	if s == nil {
		return nil, notFound(aws.ToString(in.StackName))
	}
	var all []types.ChangeSetSummary
	for _, c := range f.changeSets {
		if c.stackID != s.id {
			continue
		}
		if !f.ManualAdvance && in.NextToken == nil {
			c.step()
		}
		all = append(all, c.summary())
	}
	slices.SortFunc(all, func(a, b types.ChangeSetSummary) int {
		return strings.Compare(aws.ToString(a.ChangeSetId), aws.ToString(b.ChangeSetId))
	})
	page, next := paginate(all, aws.ToString(in.NextToken), f.PageSize)
	return &cloudformation.ListChangeSetsOutput{Summaries: page, NextToken: next}, nil
}

// ExecuteChangeSet starts the stack operation of an AVAILABLE change set.
func (f *CloudFormation) ExecuteChangeSet(_ context.Context, in *cloudformation.ExecuteChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ExecuteChangeSet"); err != nil {
		return nil, err
	}
	c := f.findChangeSet(aws.ToString(in.ChangeSetName), aws.ToString(in.StackName))
	if c == nil {
		return nil, changeSetNotFound(aws.ToString(in.ChangeSetName))
	}
	s := f.stacks[c.stackID]
	if c.status != types.ChangeSetStatusCreateComplete || c.execStatus != types.ExecutionStatusAvailable {
		return nil, apiError("InvalidChangeSetStatus", "ChangeSet [%s] cannot be executed in its current status of [%s]", c.id, c.status)
	}
	if strings.HasSuffix(string(s.status), "_IN_PROGRESS") && s.status != types.StackStatusReviewInProgress {
		return nil, apiError("InvalidChangeSetStatus", "ChangeSet [%s] cannot be executed while stack is %s", c.id, s.status)
	}
	f.execute(s, c)
	return &cloudformation.ExecuteChangeSetOutput{}, nil
}

// DeleteChangeSet deletes a change set that is not being executed.
func (f *CloudFormation) DeleteChangeSet(_ context.Context, in *cloudformation.DeleteChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DeleteChangeSet"); err != nil {
		return nil, err
	}
	c := f.findChangeSet(aws.ToString(in.ChangeSetName), aws.ToString(in.StackName))
	if c == nil {
		return nil, changeSetNotFound(aws.ToString(in.ChangeSetName))
	}
	if c.execStatus == types.ExecutionStatusExecuteInProgress {
		return nil, apiError("InvalidChangeSetStatus", "ChangeSet [%s] cannot be deleted while it is executed", c.id)
	}
	delete(f.changeSets, c.id)
	return &cloudformation.DeleteChangeSetOutput{}, nil
}
