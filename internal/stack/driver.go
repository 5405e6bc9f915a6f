package stack

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// Options tune a Driver. Zero values take the defaults.
type Options struct {
	// Region is the region of the stacks, used to address uploaded templates.
	Region string
	// PollInterval is when to look again while an operation or change set is under way. Default 10s.
	PollInterval time.Duration
	// RetryBackoff is how long a failed update or delete waits before it is tried again with the same
	// spec. Default 5m.
	RetryBackoff time.Duration
	// ThrottleDelay is the base delay after CloudFormation throttled a call; jitter adds up to half of it.
	// Default 15s.
	ThrottleDelay time.Duration
	// MaxEventPages bounds how many pages of stack events are read to find a failure's root cause.
	// Default 10.
	MaxEventPages int
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Rand returns a number in [0, 1) for jitter. Default math/rand/v2.
	Rand func() float64
}

func (o Options) withDefaults() Options {
	if o.PollInterval <= 0 {
		o.PollInterval = 10 * time.Second
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = 5 * time.Minute
	}
	if o.ThrottleDelay <= 0 {
		o.ThrottleDelay = 15 * time.Second
	}
	if o.MaxEventPages <= 0 {
		o.MaxEventPages = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	return o
}

// Driver takes CloudFormation stacks one step at a time toward their desired state. It keeps no state of
// its own between calls but what CloudFormation last said of its stacks, so it is safe for concurrent use
// on different stacks and survives restarts.
type Driver struct {
	cf   CloudFormationAPI
	s3   S3API
	opts Options
	obs  *observer
}

// NewDriver returns a Driver over cf. s3 uploads large templates; it may be nil if no stack needs that.
func NewDriver(cf CloudFormationAPI, s3 S3API, opts Options) *Driver {
	o := opts.withDefaults()
	return &Driver{cf: cf, s3: s3, opts: o, obs: newObserver(cf, o.Now)}
}

// jitter spreads retries of many stacks apart: d plus up to half of d.
func (d *Driver) jitter(base time.Duration) time.Duration {
	return base + time.Duration(d.opts.Rand()*float64(base)/2)
}

// settle turns throttling into a Result to look again later: a throttled stack is never failed.
func (d *Driver) settle(res Result, err error) (Result, error) {
	if err == nil {
		return res, nil
	}
	if isThrottle(err) && !IsTerminal(err) {
		res.Phase = PhaseInProgress
		res.Throttled = true
		res.Action = ActionNone
		res.RequeueAfter = d.jitter(d.opts.ThrottleDelay)
		res.Message = "CloudFormation throttled the request; trying again later"
		return res, nil
	}
	return res, err
}

// describeStack returns the stack named name, or nil if there is none.
func (d *Driver) describeStack(ctx context.Context, name string, stableAge time.Duration) (*types.Stack, error) {
	st, ok, err := d.obs.lookup(ctx, name, stableAge, d.opts.PollInterval)
	if err != nil {
		return nil, fmt.Errorf("describing stack %s: %w", name, err)
	}
	if ok {
		return st, nil
	}
	out, err := d.cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if isStackNotFound(err) {
		d.obs.saw(name, nil)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describing stack %s: %w", name, err)
	}
	if len(out.Stacks) == 0 {
		d.obs.saw(name, nil)
		return nil, nil
	}
	d.obs.saw(name, &out.Stacks[0])
	return &out.Stacks[0], nil
}

// observed starts a Result from what CloudFormation says of the stack.
func observed(st *types.Stack) Result {
	return Result{
		StackID:           aws.ToString(st.StackId),
		StackStatus:       string(st.StackStatus),
		StackStatusReason: aws.ToString(st.StackStatusReason),
	}
}

func outputs(st *types.Stack) map[string]string {
	out := make(map[string]string, len(st.Outputs))
	for _, o := range st.Outputs {
		out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return out
}

func (d *Driver) waiting(res Result, format string, args ...any) Result {
	res.Phase = PhaseInProgress
	if res.Action == "" {
		res.Action = ActionNone
	}
	res.RequeueAfter = d.opts.PollInterval
	res.Message = fmt.Sprintf(format, args...)
	return res
}

func validate(name string, owner Owner) error {
	if name == "" {
		return errors.New("the stack has no name")
	}
	if owner.UID == "" {
		return fmt.Errorf("stack %s: the owner has no UID", name)
	}
	return nil
}

// deleteStack deletes the stack by its ID, so that a new stack that took the name meanwhile is never hit.
func (d *Driver) deleteStack(ctx context.Context, st *types.Stack) error {
	_, err := d.cf.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: st.StackId})
	if err == nil {
		return nil
	}
	if apiCode(err) == "ValidationError" && containsFold(apiMessage(err), "TerminationProtection") {
		return terminal(csv1.ReasonDeleteFailed, err,
			"stack %s has termination protection enabled, so CloudFormation refuses to delete it; turn termination protection off, or set spec.stack.deletionPolicy to Retain",
			aws.ToString(st.StackName))
	}
	return fmt.Errorf("deleting stack %s: %w", aws.ToString(st.StackName), err)
}
