package stackfake

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Seed describes a stack to put into the fake as it stands, in any status.
type Seed struct {
	Name         string
	Status       types.StackStatus
	Reason       string
	Tags         map[string]string
	TemplateBody string
	Parameters   map[string]string
	// ChangeSetName, when set, is a change set of the stack, executed or not as ChangeSetExecution says,
	// which the stack names as its last one when it was executed.
	ChangeSetName      string
	ChangeSetExecution types.ExecutionStatus
	// Events are the stack's events after its first, oldest first. An event without LogicalID is a
	// stack-level event.
	Events []SeedEvent
}

// SeedEvent is one stack event of a Seed.
type SeedEvent struct {
	LogicalID, Type string
	Status          types.ResourceStatus
	Reason          string
}

// Seed puts a stack into the fake and returns its ID.
func (f *CloudFormation) Seed(sd Seed) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", f.Region, f.Account, sd.Name, f.nextID())
	s := &fakeStack{id: id, name: sd.Name, status: sd.Status, reason: sd.Reason, tags: maps.Clone(sd.Tags),
		params: maps.Clone(sd.Parameters), body: sd.TemplateBody, created: f.now()}
	if s.tags == nil {
		s.tags = map[string]string{}
	}
	if s.params == nil {
		s.params = map[string]string{}
	}
	if t, err := parseTemplate(sd.TemplateBody); err == nil {
		s.outputs = t.outputs()
	}
	f.stacks[id] = s
	for _, e := range sd.Events {
		if e.LogicalID == "" {
			f.event(s, s.name, "AWS::CloudFormation::Stack", s.id, e.Status, e.Reason)
		} else {
			f.event(s, e.LogicalID, e.Type, s.name+"-"+e.LogicalID, e.Status, e.Reason)
		}
	}
	if sd.ChangeSetName != "" {
		c := &fakeChangeSet{
			id:   fmt.Sprintf("arn:aws:cloudformation:%s:%s:changeSet/%s/%s", f.Region, f.Account, sd.ChangeSetName, f.nextID()),
			name: sd.ChangeSetName, stackID: id, stackName: sd.Name, csType: types.ChangeSetTypeUpdate,
			status: types.ChangeSetStatusCreateComplete, execStatus: sd.ChangeSetExecution,
			body: sd.TemplateBody, params: maps.Clone(s.params), tags: maps.Clone(s.tags), created: f.now(),
		}
		f.changeSets[c.id] = c
		if sd.ChangeSetExecution != types.ExecutionStatusAvailable && sd.ChangeSetExecution != types.ExecutionStatusUnavailable {
			s.changeSetID = c.id
		}
	}
	return id
}

// Status returns the status of the live stack named name, or "" when there is none. It is not counted as
// a call.
func (f *CloudFormation) Status(name string) types.StackStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.lookup(name, false); s != nil {
		return s.status
	}
	return ""
}

// Tags returns the tags of the live stack named name.
func (f *CloudFormation) Tags(name string) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.lookup(name, false); s != nil {
		return maps.Clone(s.tags)
	}
	return nil
}

// Template returns the template the live stack named name was last built from.
func (f *CloudFormation) Template(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.lookup(name, false); s != nil {
		return s.body
	}
	return ""
}

// ChangeSetNames returns the names of the change sets of the live stack named name, sorted.
func (f *CloudFormation) ChangeSetNames(name string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.lookup(name, false)
	if s == nil {
		return nil
	}
	var names []string
	for _, c := range f.changeSets {
		if c.stackID == s.id {
			names = append(names, c.name)
		}
	}
	slices.Sort(names)
	return names
}
