package cfnlocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// retryingConfig is an SDK configuration for the env's server that makes up to attempts attempts per call,
// without backoff delays.
func retryingConfig(e *env, attempts int) aws.Config {
	cfg := sdkConfig(e.ts.URL, attempts)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	return cfg
}

// retryingClient retries up to attempts times without backoff delays.
func retryingClient(e *env, attempts int) *cloudformation.Client {
	return cloudformation.NewFromConfig(retryingConfig(e, attempts))
}

func TestThrottleServerErrorAndDropAreRetried(t *testing.T) {
	e := newEnv(t, Options{})
	c := retryingClient(e, 5)
	e.srv.Reset()
	e.deploy(t, "s", twoQueues, nil)
	base := e.srv.CallOutcomes()["DescribeStacks OK"]
	for _, f := range []APIFault{
		{Operation: "DescribeStacks", Kind: FaultThrottle, Times: 2},
		{Operation: "DescribeStacks", Kind: FaultServerError, Times: 1},
		{Operation: "DescribeStacks", Kind: FaultDrop, Times: 1},
	} {
		if err := e.srv.AddAPIFault(f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("s")}); err != nil {
		t.Fatalf("call did not survive the faults: %v", err)
	}
	if got := e.srv.Calls()["DescribeStacks"]; got != base+5 {
		t.Errorf("DescribeStacks calls = %d, want %d", got, base+5)
	}
	out := e.srv.CallOutcomes()
	want := map[string]int{"DescribeStacks Throttling": 2, "DescribeStacks InternalFailure": 1, "DescribeStacks Dropped": 1, "DescribeStacks OK": base + 1}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("outcome %q = %d, want %d (all: %v)", k, out[k], v, out)
		}
	}
	// Without retries the client sees the error itself.
	if err := e.srv.AddAPIFault(APIFault{Operation: "CreateChangeSet", Kind: FaultThrottle, Times: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := e.cfn.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("c"), UsePreviousTemplate: aws.Bool(true)})
	apiErr(t, err, "Throttling", http.StatusBadRequest, "Rate exceeded")
	if err := e.srv.AddAPIFault(APIFault{Kind: FaultServerError, Times: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = e.cfn.ListChangeSets(e.ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String("s")})
	apiErr(t, err, "InternalFailure", http.StatusInternalServerError, "internal error")
	// The faults are used up.
	if _, err := e.cfn.ListChangeSets(e.ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String("s")}); err != nil {
		t.Errorf("fault fired more often than configured: %v", err)
	}
}

func TestProbabilisticFaultsAreSeeded(t *testing.T) {
	run := func(seed uint64) string {
		e := newEnv(t, Options{Seed: seed})
		if err := e.srv.AddAPIFault(APIFault{Operation: "DescribeStacks", Kind: FaultThrottle, Probability: 0.5}); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i := 0; i < 32; i++ {
			_, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{})
			var ae smithy.APIError
			switch {
			case errors.As(err, &ae) && ae.ErrorCode() == "Throttling":
				b.WriteByte('T')
			case err == nil:
				b.WriteByte('.')
			default:
				t.Fatalf("unexpected error %v", err)
			}
		}
		return b.String()
	}
	a, b := run(7), run(7)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if n := strings.Count(a, "T"); n == 0 || n == len(a) {
		t.Errorf("probability 0.5 throttled %d of %d calls", n, len(a))
	}
	if c := run(8); c == a {
		t.Errorf("different seeds gave the same sequence %s", c)
	}
}

func TestLatencyFault(t *testing.T) {
	e := newEnv(t, Options{})
	if err := e.srv.AddAPIFault(APIFault{Operation: "DescribeStacks", Kind: FaultLatency, Latency: Duration(30 * time.Millisecond), Times: 1}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("latency fault not applied: call took %v", d)
	}
}

func TestFaultValidation(t *testing.T) {
	s := New(Options{})
	defer func() { _ = s.Close() }()
	bad := []APIFault{{Kind: "explode"}, {Kind: FaultLatency}, {Kind: FaultThrottle, Probability: 2}, {Kind: FaultThrottle, Times: -1}}
	for _, f := range bad {
		if err := s.AddAPIFault(f); err == nil {
			t.Errorf("fault %+v accepted", f)
		}
	}
	if err := s.AddResourceFault(ResourceFault{Operation: "EXPLODE"}); err == nil {
		t.Error("resource fault with a bad operation accepted")
	}
}

func TestAdminEndpoints(t *testing.T) {
	e := newEnv(t, Options{})
	post := func(path, body string) *http.Response {
		t.Helper()
		resp, err := http.Post(e.ts.URL+path, "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp
	}
	if r := post("/_cfnlocal/faults", `{"api":[{"operation":"DescribeStacks","kind":"throttle","times":1}],"resources":[{"logicalResourceId":"A","operation":"CREATE","times":1,"reason":"nope"}]}`); r.StatusCode != http.StatusNoContent {
		t.Fatalf("post faults: %d", r.StatusCode)
	}
	if r := post("/_cfnlocal/faults", `{"api":[{"kind":"explode"}]}`); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad fault accepted: %d", r.StatusCode)
	}
	if r := post("/_cfnlocal/faults", `{"apis":[]}`); r.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown field accepted: %d", r.StatusCode)
	}
	_, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{})
	apiErr(t, err, "Throttling", http.StatusBadRequest, "Rate exceeded")
	e.execute(t, e.changeSet(t, "s", "c", "CREATE", twoQueues, nil))
	if st := e.stack(t, "s"); st.StackStatus != "ROLLBACK_COMPLETE" {
		t.Errorf("resource fault from the admin endpoint not applied: %s", st.StackStatus)
	}

	resp, err := http.Get(e.ts.URL + "/_cfnlocal/calls")
	if err != nil {
		t.Fatal(err)
	}
	var calls struct{ Calls, Outcomes map[string]int }
	if err := json.NewDecoder(resp.Body).Decode(&calls); err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if calls.Calls["DescribeStacks"] < 2 || calls.Outcomes["DescribeStacks Throttling"] != 1 || calls.Calls["CreateChangeSet"] != 1 {
		t.Errorf("calls %v outcomes %v", calls.Calls, calls.Outcomes)
	}

	if r := post("/_cfnlocal/reset", ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("reset: %d", r.StatusCode)
	}
	if len(e.srv.Calls()) != 0 {
		t.Errorf("calls not reset: %v", e.srv.Calls())
	}
	if _, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("s")}); err == nil {
		t.Error("stack survived reset")
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodDelete, e.ts.URL+"/_cfnlocal/faults", nil)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusNoContent {
		t.Errorf("delete faults: %v", err)
	}
	if r, err := http.Get(e.ts.URL + "/_cfnlocal/nothing"); err != nil || r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown admin path: %v", err)
	}
}

func TestResetStopsRunningOperations(t *testing.T) {
	e := newEnv(t, Options{ManualStep: true})
	if _, err := e.cfn.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String("s"), TemplateBody: aws.String(twoQueues)}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Settle(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.srv.Reset() // must not wait for Steps that never come
	if err := e.srv.WaitIdle(e.ctx); err != nil {
		t.Fatal(err)
	}
	out, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{})
	if err != nil || len(out.Stacks) != 0 {
		t.Fatalf("after reset: %v, %d stacks", err, len(out.Stacks))
	}
}

func TestFaultsOnS3AndEC2UseTheirServiceErrors(t *testing.T) {
	e := newEnv(t, Options{})
	for _, f := range []APIFault{
		{Operation: "s3:CreateBucket", Kind: FaultThrottle, Times: 1},
		{Operation: "s3:CreateBucket", Kind: FaultServerError, Times: 1},
		{Operation: "ec2:DescribeVpcs", Kind: FaultThrottle, Times: 1},
		{Operation: "ec2:DescribeVpcs", Kind: FaultServerError, Times: 1},
	} {
		if err := e.srv.AddAPIFault(f); err != nil {
			t.Fatal(err)
		}
	}
	s3c := s3.NewFromConfig(sdkConfig(e.ts.URL, 1))
	ec2c := ec2.NewFromConfig(sdkConfig(e.ts.URL, 1))
	_, err := s3c.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("b")})
	apiErr(t, err, "SlowDown", http.StatusServiceUnavailable, "reduce your request rate")
	_, err = s3c.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("b")})
	apiErr(t, err, "InternalError", http.StatusInternalServerError, "internal error")
	_, err = ec2c.DescribeVpcs(e.ctx, &ec2.DescribeVpcsInput{})
	apiErr(t, err, "RequestLimitExceeded", http.StatusServiceUnavailable, "Request limit exceeded.")
	_, err = ec2c.DescribeVpcs(e.ctx, &ec2.DescribeVpcsInput{})
	apiErr(t, err, "InternalError", http.StatusInternalServerError, "internal error")
	want := map[string]int{"s3:CreateBucket SlowDown": 1, "s3:CreateBucket InternalError": 1, "ec2:DescribeVpcs RequestLimitExceeded": 1, "ec2:DescribeVpcs InternalError": 1}
	got := e.srv.CallOutcomes()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d", k, got[k], v)
		}
	}
}

func TestDropResponseAndIdempotencyTokens(t *testing.T) {
	e := newEnv(t, Options{})
	c := retryingClient(e, 3)
	if err := e.srv.AddAPIFault(APIFault{Operation: "CreateChangeSet", Kind: FaultDropResponse, Times: 1}); err != nil {
		t.Fatal(err)
	}
	in := &cloudformation.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("c"), ChangeSetType: "CREATE", TemplateBody: aws.String(twoQueues)}
	// Without a token the retry of a call that took effect is rejected.
	_, err := c.CreateChangeSet(e.ctx, in)
	apiErr(t, err, "AlreadyExistsException", http.StatusBadRequest, "ChangeSet [c] already exists")
	if got := e.srv.CallOutcomes()["CreateChangeSet DroppedResponse"]; got != 1 {
		t.Errorf("dropped responses counted %d", got)
	}
	// With a token the retry gets the first call's answer.
	if err := e.srv.AddAPIFault(APIFault{Operation: "CreateChangeSet", Kind: FaultDropResponse, Times: 1}); err != nil {
		t.Fatal(err)
	}
	in.ChangeSetName, in.ClientToken = aws.String("d"), aws.String("tok-1")
	out, err := c.CreateChangeSet(e.ctx, in)
	if err != nil {
		t.Fatalf("retry with token: %v", err)
	}
	e.idle(t)
	list, _ := e.cfn.ListChangeSets(e.ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String("s")})
	if len(list.Summaries) != 2 || aws.ToString(list.Summaries[1].ChangeSetId) != aws.ToString(out.Id) {
		t.Errorf("change sets %+v, want c and d with d's id returned", list.Summaries)
	}
	if err := e.srv.AddAPIFault(APIFault{Operation: "ExecuteChangeSet", Kind: FaultDropResponse, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecuteChangeSet(e.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: out.Id, ClientRequestToken: aws.String("tok-2")}); err != nil {
		t.Fatalf("execute retried with token: %v", err)
	}
	e.idle(t)
	if st := e.stack(t, "s"); st.StackStatus != "CREATE_COMPLETE" {
		t.Errorf("status %s", st.StackStatus)
	}
}
