package stack_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/composestack/composestack/internal/awsclient"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
	"github.com/composestack/composestack/internal/stack/mototest"
)

// The driver's tests run it through the real SDK against cfnlocal, the repository's own local
// CloudFormation, which (unlike moto) runs operations asynchronously and rolls back: the failure paths go
// over the wire too. Unless a test runs cfnlocal with ManualStep, it lets cfnlocal finish what runs before
// each driver call, so each call sees a settled status.

// localServer starts a cfnlocal server with opts for the test, and the SDK clients the manager would build for
// it (package awsclient), with no retries so every answer is seen.
func localServer(t *testing.T, opts cfnlocal.Options) (*cfnlocal.Server, *awsclient.Clients) {
	t.Helper()
	srv, err := cfnlocal.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	return srv, localClients(t, srv)
}

// localClients builds new SDK clients for srv.
func localClients(t *testing.T, srv *cfnlocal.Server) *awsclient.Clients {
	t.Helper()
	cl, err := awsclient.New(awsclient.Options{
		Endpoint: srv.URL(), Credentials: mototest.Credentials, RetryMaxAttempts: 1,
		HTTPClient: cfnlocal.HTTPClient(),
	}).Clients(context.Background(), "us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// localEnv is cfnlocal, the SDK clients for it, and a driver over them whose clock the test can move past
// the retry backoff.
type localEnv struct {
	srv    *cfnlocal.Server
	cl     *awsclient.Clients
	cf     *cloudformation.Client
	d      *stack.Driver
	manual bool
	// later is added to the driver's clock.
	later time.Duration
	// stackID is the ID of the stack shop-web last seen.
	stackID string
}

// newLocalEnv starts cfnlocal, with ManualStep if manual, and a driver for it.
func newLocalEnv(t *testing.T, manual bool) *localEnv {
	t.Helper()
	srv, cl := localServer(t, cfnlocal.Options{ManualStep: manual})
	e := &localEnv{srv: srv, cl: cl, cf: cl.CloudFormation, manual: manual}
	e.d = e.driver(cl.CloudFormation, stack.Options{})
	return e
}

// driver returns a new Driver over cf, as a restarted controller builds one: e's clock, a retry backoff of
// 5 minutes, and jitter fixed at a quarter of each delay so that requeues can be checked.
func (e *localEnv) driver(cf stack.CloudFormationAPI, o stack.Options) *stack.Driver {
	o.Region, o.RetryBackoff = "us-east-1", 5*time.Minute
	o.Now = func() time.Time { return time.Now().Add(e.later) }
	o.Rand = func() float64 { return 0.5 }
	return stack.NewDriver(cf, e.cl.S3, o)
}

// guard bounds the waits on cfnlocal, so that a test that went wrong fails instead of hanging.
func guard() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), time.Minute)
}

// settle waits until every operation is paused (ManualStep) or done.
func (e *localEnv) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := guard()
	defer cancel()
	var err error
	if e.manual {
		err = e.srv.Settle(ctx)
	} else {
		err = e.srv.WaitIdle(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// step lets a paused operation go on by one step and waits until it pauses again.
func (e *localEnv) step(t *testing.T) {
	t.Helper()
	ctx, cancel := guard()
	defer cancel()
	if err := e.srv.Step(ctx); err != nil {
		t.Fatal(err)
	}
	e.settle(t)
}

// release lets every operation run to its end.
func (e *localEnv) release(t *testing.T) {
	t.Helper()
	e.settle(t)
	for range 100 {
		if !e.busy(t) {
			return
		}
		e.step(t)
	}
	t.Fatal("cfnlocal is still busy after 100 steps")
}

// busy says, after settle, whether an operation is paused: the stack is in an operation, or a change set
// of it is being computed.
func (e *localEnv) busy(t *testing.T) bool {
	t.Helper()
	if !e.manual {
		return false
	}
	st := e.describe(t, "shop-web")
	if st == nil {
		return false
	}
	if st.StackStatus != cftypes.StackStatusReviewInProgress && strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") {
		return true
	}
	out, err := e.cf.ListChangeSets(context.Background(), &cloudformation.ListChangeSetsInput{StackName: aws.String("shop-web")})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range out.Summaries {
		if s.Status == cftypes.ChangeSetStatusCreatePending || s.Status == cftypes.ChangeSetStatusCreateInProgress {
			return true
		}
	}
	return false
}

// describe returns the stack, by name or ID, or nil if DescribeStacks says it does not exist.
func (e *localEnv) describe(t *testing.T, nameOrID string) *cftypes.Stack {
	t.Helper()
	out, err := e.cf.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String(nameOrID)})
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist") {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Stacks) != 1 {
		t.Fatalf("DescribeStacks %s: %d stacks", nameOrID, len(out.Stacks))
	}
	if nameOrID == "shop-web" {
		e.stackID = aws.ToString(out.Stacks[0].StackId)
	}
	return &out.Stacks[0]
}

func (e *localEnv) status(t *testing.T) cftypes.StackStatus {
	t.Helper()
	return e.stackStatus(t, "shop-web")
}

// checkStatus checks the status DescribeStacks reports for shop-web. DELETE_COMPLETE is asked of the
// stack last seen by its ID, as by name a deleted stack does not exist.
func (e *localEnv) checkStatus(t *testing.T, want cftypes.StackStatus) {
	t.Helper()
	got := e.status(t)
	if want == cftypes.StackStatusDeleteComplete && got == "" && e.stackID != "" {
		if st := e.describe(t, e.stackID); st != nil {
			got = st.StackStatus
		}
	}
	if got != want {
		t.Fatalf("DescribeStacks reports %q, want %q", got, want)
	}
}

// reach lets operations run, and calls next whenever none runs, until the stack is in want.
func (e *localEnv) reach(t *testing.T, want cftypes.StackStatus, next func()) {
	t.Helper()
	var seen []cftypes.StackStatus
	for range 100 {
		e.settle(t)
		got := e.status(t)
		if got == want {
			return
		}
		if len(seen) == 0 || seen[len(seen)-1] != got {
			seen = append(seen, got)
		}
		if e.busy(t) {
			e.step(t)
			continue
		}
		next()
	}
	t.Fatalf("the stack did not reach %q; it went through %q", want, seen)
}

func (e *localEnv) fault(t *testing.T, faults ...cfnlocal.ResourceFault) {
	t.Helper()
	for _, f := range faults {
		if err := e.srv.AddResourceFault(f); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *localEnv) syncOnce(t *testing.T, want stack.Desired) stack.Result {
	t.Helper()
	res, err := e.d.Sync(context.Background(), want)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	return res
}

func (e *localEnv) deleteOnce(t *testing.T) stack.Result {
	t.Helper()
	res, err := e.d.Delete(context.Background(), "shop-web", motoOwner)
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	return res
}

// converge lets operations run and calls Sync until the stack converges or fails, or Sync returns an error.
func (e *localEnv) converge(t *testing.T, want stack.Desired) ([]stack.Result, error) {
	t.Helper()
	return e.until(t, func() (stack.Result, error) { return e.d.Sync(context.Background(), want) },
		stack.PhaseConverged, stack.PhaseFailed)
}

// deleteAll lets operations run and calls Delete until the stack is deleted or the delete fails, or Delete
// returns an error.
func (e *localEnv) deleteAll(t *testing.T) ([]stack.Result, error) {
	t.Helper()
	return e.until(t, func() (stack.Result, error) { return e.d.Delete(context.Background(), "shop-web", motoOwner) },
		stack.PhaseDeleted, stack.PhaseFailed)
}

// until lets operations run and calls step, at most 30 times, until a result is in one of phases or step
// fails; it returns every result.
func (e *localEnv) until(t *testing.T, step func() (stack.Result, error), phases ...stack.Phase) ([]stack.Result, error) {
	t.Helper()
	var out []stack.Result
	for range 30 {
		e.release(t)
		res, err := step()
		if err != nil {
			return out, err
		}
		out = append(out, res)
		if slices.Contains(phases, res.Phase) {
			return out, nil
		}
	}
	t.Fatalf("no end: %v", actionsOf(out))
	return nil, nil
}

// syncToEnd is converge for a spec that must not fail with an error.
func (e *localEnv) syncToEnd(t *testing.T, want stack.Desired) []stack.Result {
	t.Helper()
	rs, err := e.converge(t, want)
	if err != nil {
		t.Fatalf("Sync after %v: %v", actionsOf(rs), err)
	}
	return rs
}

// deleteToEnd is deleteAll for a delete that must not fail with an error.
func (e *localEnv) deleteToEnd(t *testing.T) []stack.Result {
	t.Helper()
	rs, err := e.deleteAll(t)
	if err != nil {
		t.Fatalf("Delete after %v: %v", actionsOf(rs), err)
	}
	return rs
}

// apiFault adds fault, which must be valid.
func (e *localEnv) apiFault(t *testing.T, f cfnlocal.APIFault) {
	t.Helper()
	if err := e.srv.AddAPIFault(f); err != nil {
		t.Fatal(err)
	}
}

// calls is how often each operation was called, as cfnlocal counted them.
func (e *localEnv) calls(op string) int { return e.srv.Calls()[op] }

// tags are the tags of the stack named name.
func (e *localEnv) tags(t *testing.T, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if st := e.describe(t, name); st != nil {
		for _, tag := range st.Tags {
			out[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
	}
	return out
}

// template is the template of the stack named name.
func (e *localEnv) template(t *testing.T, name string) string {
	t.Helper()
	out, err := e.cf.GetTemplate(context.Background(), &cloudformation.GetTemplateInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TemplateBody)
}

// changeSetNames lists the change sets of the stack named name.
func (e *localEnv) changeSetNames(t *testing.T, name string) []string {
	t.Helper()
	out, err := e.cf.ListChangeSets(context.Background(), &cloudformation.ListChangeSetsInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range out.Summaries {
		names = append(names, aws.ToString(s.ChangeSetName))
	}
	return names
}

// review makes the CREATE change set for want that the driver of an earlier version made for a new stack, and
// leaves it unexecuted: the stack is in REVIEW_IN_PROGRESS with the change set's tags.
func (e *localEnv) review(t *testing.T, want stack.Desired) {
	t.Helper()
	var tags []cftypes.Tag
	for k, v := range stack.StackTags(want) {
		tags = append(tags, cftypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := e.cf.CreateChangeSet(context.Background(), &cloudformation.CreateChangeSetInput{
		StackName: aws.String(want.StackName), ChangeSetName: aws.String(stack.ChangeSetName(stack.Digest(want))),
		ChangeSetType: cftypes.ChangeSetTypeCreate, TemplateBody: aws.String(string(want.TemplateBody)),
		Parameters: cfnParameters(want.Parameters), Tags: tags,
	}); err != nil {
		t.Fatal(err)
	}
}

// cfnParameters are ps as the SDK takes them.
func cfnParameters(ps []stack.Parameter) []cftypes.Parameter {
	var out []cftypes.Parameter
	for _, p := range ps {
		out = append(out, cftypes.Parameter{ParameterKey: aws.String(p.Key), ParameterValue: aws.String(p.Value)})
	}
	return out
}

// seed creates, with CreateStack and no driver, a stack of template(1) named name with tags, and waits
// until it is CREATE_COMPLETE.
func (e *localEnv) seed(t *testing.T, name string, tags map[string]string) {
	t.Helper()
	in := &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(string(template(1))),
		Parameters: cfnParameters(desired(1).Parameters)}
	for k, v := range tags {
		in.Tags = append(in.Tags, cftypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := e.cf.CreateStack(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	e.release(t)
	if s := e.stackStatus(t, name); s != cftypes.StackStatusCreateComplete {
		t.Fatalf("seeded stack is %s", s)
	}
}

// stackStatus is the status of the stack named name, "" if there is none.
func (e *localEnv) stackStatus(t *testing.T, name string) cftypes.StackStatus {
	t.Helper()
	if st := e.describe(t, name); st != nil {
		return st.StackStatus
	}
	return ""
}

// desired is the spec of a small stack; version changes the task definition, so that versions differ.
func desired(version int) stack.Desired {
	return stack.Desired{
		StackName:      "shop-web",
		TemplateBody:   template(version),
		Parameters:     []stack.Parameter{{Key: "Image", Value: "nginx"}, {Key: "Password", Value: "s3cret", Sensitive: true}},
		Tags:           map[string]string{"team": "shop"},
		Owner:          motoOwner,
		ResyncInterval: time.Hour,
	}
}

// template is the template of desired(version).
func template(version int) []byte {
	return fmt.Appendf(nil, `{"Parameters":{"Image":{"Type":"String"},"Password":{"Type":"String","NoEcho":true}},`+
		`"Resources":{"Cluster":{"Type":"AWS::ECS::Cluster","Properties":{"ClusterName":"shop"}},`+
		`"TaskDefinition":{"Type":"AWS::ECS::TaskDefinition","Properties":{"Family":"web","Memory":"%d"}},`+
		`"Service":{"Type":"AWS::ECS::Service","Properties":{"Cluster":{"Ref":"Cluster"},"TaskDefinition":{"Ref":"TaskDefinition"}}}},`+
		`"Outputs":{"ClusterName":{"Value":"shop"}}}`, 512*version)
}

// bigTemplate returns a valid template of about size bytes, without parameters.
func bigTemplate(size int) []byte {
	const head, tail = `{"Metadata":{"Padding":"`, `"},"Resources":{"Cluster":{"Type":"AWS::ECS::Cluster"}}}`
	return []byte(head + strings.Repeat("x", max(0, size-len(head)-len(tail))) + tail)
}

func terminalReason(err error) string {
	var te *stack.TerminalError
	if errors.As(err, &te) {
		return te.Reason
	}
	return ""
}

// requeuedAfter says whether got is want, less the little time the test took since the stack's status
// changed: a backoff is counted from the stack's timestamps, which are cfnlocal's real time.
func requeuedAfter(got, want time.Duration) bool {
	return got <= want && got > want-5*time.Second
}

// apiErr is an API error with a code, for answers cfnlocal does not give.
func apiErr(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}
