package stackfake

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// CloudFormation is the fake. Its zero value is not usable; call New.
type CloudFormation struct {
	// Region and Account make the ARNs.
	Region, Account string
	// S3 resolves TemplateURLs; nil refuses them.
	S3 *S3
	// PageSize is the page size of ListChangeSets and DescribeStackEvents.
	PageSize int
	// OmitChangeSetID leaves Stack.ChangeSetId empty, as moto does, so code that falls back on other
	// evidence can be tested.
	OmitChangeSetID bool
	// ManualAdvance stops DescribeStacks from taking steps; only Advance does.
	ManualAdvance bool

	mu         sync.Mutex
	now        func() time.Time
	seq        int
	stacks     map[string]*fakeStack // by ID
	changeSets map[string]*fakeChangeSet
	calls      map[string]int
	errs       map[string][]error
	protected  map[string]bool

	failResources  map[string]string
	failDeletes    map[string]string
	failRollbacks  int
	failChangeSets []string
	lastCreate     *cloudformation.CreateChangeSetInput
}

// New returns an empty fake. now stamps events and times; nil means time.Now.
func New(now func() time.Time) *CloudFormation {
	if now == nil {
		now = time.Now
	}
	return &CloudFormation{
		Region: "us-east-1", Account: "123456789012", PageSize: 100,
		now:           now,
		stacks:        map[string]*fakeStack{},
		changeSets:    map[string]*fakeChangeSet{},
		calls:         map[string]int{},
		errs:          map[string][]error{},
		protected:     map[string]bool{},
		failResources: map[string]string{},
		failDeletes:   map[string]string{},
	}
}

// Calls returns how many times operation op (e.g. "CreateChangeSet") was called.
func (f *CloudFormation) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// AllCalls returns the call counts of every operation called so far.
func (f *CloudFormation) AllCalls() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.calls)
}

// Throttle makes the next n calls of op fail with a throttling error.
func (f *CloudFormation) Throttle(op string, n int) {
	for range n {
		f.InjectError(op, ThrottlingError())
	}
}

// InjectError makes the next call of op fail with err (errors queue up in order).
func (f *CloudFormation) InjectError(op string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[op] = append(f.errs[op], err)
}

// FailResource makes every create or update of the resource logicalID fail with reason.
func (f *CloudFormation) FailResource(logicalID, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failResources[logicalID] = reason
}

// FailDelete makes every deletion of the resource logicalID fail with reason.
func (f *CloudFormation) FailDelete(logicalID, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failDeletes[logicalID] = reason
}

// FailRollback makes the next n update rollbacks fail.
func (f *CloudFormation) FailRollback(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failRollbacks = n
}

// FailNextChangeSet makes the next change set created end FAILED with reason.
func (f *CloudFormation) FailNextChangeSet(reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failChangeSets = append(f.failChangeSets, reason)
}

// ClearFailures forgets every injected resource failure.
func (f *CloudFormation) ClearFailures() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.failResources)
	clear(f.failDeletes)
	f.failRollbacks = 0
}

// Protect turns termination protection on for the stack named name.
func (f *CloudFormation) Protect(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.protected[name] = true
}

// LastCreateChangeSet returns the input of the last CreateChangeSet call.
func (f *CloudFormation) LastCreateChangeSet() *cloudformation.CreateChangeSetInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastCreate
}

// Advance takes one step of every running operation and change set, like a tick of CloudFormation's
// clock.
func (f *CloudFormation) Advance() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.stacks {
		f.step(s)
	}
	for _, c := range f.changeSets {
		c.step()
	}
}

// Settle runs every operation and change set to its end.
func (f *CloudFormation) Settle() {
	for range 100 {
		f.Advance()
	}
}

// call counts op and returns the error queued for it, if any. Callers hold the lock.
func (f *CloudFormation) call(op string) error {
	f.calls[op]++
	if q := f.errs[op]; len(q) > 0 {
		f.errs[op] = q[1:]
		return q[0]
	}
	return nil
}

func (f *CloudFormation) nextID() string {
	f.seq++
	return fmt.Sprintf("%08d-0000-4000-8000-%012d", f.seq, f.seq)
}

// live returns the stack that is called nameOrID and not deleted; by ID, a deleted one too.
func (f *CloudFormation) lookup(nameOrID string, deletedToo bool) *fakeStack {
	if s, ok := f.stacks[nameOrID]; ok {
		if deletedToo || s.status != types.StackStatusDeleteComplete {
			return s
		}
		return nil
	}
	for _, s := range f.stacks {
		if s.name == nameOrID && s.status != types.StackStatusDeleteComplete {
			return s
		}
	}
	return nil
}

func notFound(nameOrID string) error {
	return validationError("Stack with id %s does not exist", nameOrID)
}

// template is the part of a template the fake reads.
type template struct {
	Resources map[string]struct {
		Type       string                     `json:"Type"`
		Properties map[string]json.RawMessage `json:"Properties"`
	} `json:"Resources"`
	Outputs map[string]struct {
		Value any `json:"Value"`
	} `json:"Outputs"`
}

func parseTemplate(body string) (template, error) {
	var t template
	if err := json.Unmarshal([]byte(body), &t); err != nil {
		return t, validationError("Template format error: %v", err)
	}
	if len(t.Resources) == 0 {
		return t, validationError("Template format error: At least one Resources member must be defined.")
	}
	return t, nil
}

func (t template) logicalIDs() []string { return slices.Sorted(maps.Keys(t.Resources)) }

// requiredCapabilities mirrors CloudFormation's check of IAM resources.
func (t template) requiredCapability() types.Capability {
	named := map[string]string{"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName",
		"AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::IAM::InstanceProfile": "InstanceProfileName"}
	var need types.Capability
	for _, r := range t.Resources {
		if !strings.HasPrefix(r.Type, "AWS::IAM::") {
			continue
		}
		if p, ok := named[r.Type]; ok {
			if _, set := r.Properties[p]; set {
				return types.CapabilityCapabilityNamedIam
			}
		}
		need = types.CapabilityCapabilityIam
	}
	return need
}

// outputs gives literal string outputs their value and every other output "<key>-value".
func (t template) outputs() []types.Output {
	var out []types.Output
	for _, k := range slices.Sorted(maps.Keys(t.Outputs)) {
		v, ok := t.Outputs[k].Value.(string)
		if !ok {
			v = k + "-value"
		}
		out = append(out, types.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return out
}
