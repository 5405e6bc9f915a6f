package awsclient

import (
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// request is what the fake endpoint saw of one request.
type request struct {
	method, path, action, auth string
	form                       url.Values
}

// endpoint is a fake AWS endpoint that answers STS AssumeRole, CloudFormation DescribeStacks and S3
// HeadObject, and records every request.
type endpoint struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
	// fail, when set, is the error code every CloudFormation call answers with.
	fail string
}

func newEndpoint(t *testing.T) *endpoint {
	e := &endpoint{}
	e.Server = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.Close)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	return e
}

func (e *endpoint) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	e.mu.Lock()
	e.requests = append(e.requests, request{r.Method, r.URL.Path, form.Get("Action"), r.Header.Get("Authorization"), form})
	fail := e.fail
	e.mu.Unlock()
	switch {
	case r.Method == http.MethodHead:
		w.WriteHeader(http.StatusOK)
	case form.Get("Action") == "AssumeRole":
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>`+
			`<Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>`+
			`<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>`+
			`<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/deployer/composestack</Arn><AssumedRoleId>AROA:composestack</AssumedRoleId></AssumedRoleUser>`+
			`</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`)
	case fail != "":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>`+fail+`</Code><Message>no</Message></Error><RequestId>1</RequestId></ErrorResponse>`)
	default:
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">`+
			`<DescribeStacksResult><Stacks></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>`)
	}
}

func (e *endpoint) seen(action string) []request {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []request
	for _, r := range e.requests {
		if r.action == action {
			out = append(out, r)
		}
	}
	return out
}

func (e *endpoint) last() request {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.requests) == 0 {
		return request{}
	}
	return e.requests[len(e.requests)-1]
}

var base = credentials.NewStaticCredentialsProvider("AKIDBASE", "secret", "")

func describe(t *testing.T, cl *Clients) {
	t.Helper()
	if _, err := cl.CloudFormation.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{}); err != nil {
		t.Fatal(err)
	}
}

func TestEndpointOverride(t *testing.T) {
	e := newEndpoint(t)
	cl, err := New(Options{Endpoint: e.URL, Credentials: base}).Clients(context.Background(), "eu-west-1", "")
	if err != nil {
		t.Fatal(err)
	}
	describe(t, cl)
	got := e.seen("DescribeStacks")
	if len(got) != 1 || !strings.Contains(got[0].auth, "Credential=AKIDBASE/") || !strings.Contains(got[0].auth, "/eu-west-1/cloudformation/") {
		t.Fatalf("requests = %+v", got)
	}
	// S3 is addressed by path on a local endpoint.
	if _, err := cl.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("templates/x.json")}); err != nil {
		t.Fatal(err)
	}
	if last := e.last(); last.method != http.MethodHead || last.path != "/b/templates/x.json" {
		t.Fatalf("S3 request = %+v", last)
	}
}

func TestEnvironmentEndpointHonoured(t *testing.T) {
	e := newEndpoint(t)
	t.Setenv("AWS_ENDPOINT_URL", e.URL)
	cl, err := New(Options{Credentials: base}).Clients(context.Background(), "us-west-2", "")
	if err != nil {
		t.Fatal(err)
	}
	describe(t, cl)
	if len(e.seen("DescribeStacks")) != 1 {
		t.Fatalf("AWS_ENDPOINT_URL not used: %+v", e.last())
	}
}

func TestAssumesRoleAndCachesCredentials(t *testing.T) {
	e := newEndpoint(t)
	role := "arn:aws:iam::123456789012:role/deployer"
	cl, err := New(Options{Endpoint: e.URL, Credentials: base}).Clients(context.Background(), "us-east-1", role)
	if err != nil {
		t.Fatal(err)
	}
	describe(t, cl)
	describe(t, cl)
	assumes := e.seen("AssumeRole")
	if len(assumes) != 1 {
		t.Fatalf("AssumeRole called %d times, want once (credentials cached)", len(assumes))
	}
	if assumes[0].form.Get("RoleArn") != role || assumes[0].form.Get("RoleSessionName") != SessionName ||
		!strings.Contains(assumes[0].auth, "Credential=AKIDBASE/") {
		t.Errorf("AssumeRole request = %+v", assumes[0])
	}
	for _, r := range e.seen("DescribeStacks") {
		if !strings.Contains(r.auth, "Credential=ASIAASSUMED/") {
			t.Errorf("CloudFormation call not signed with the role's credentials: %s", r.auth)
		}
	}
}

func TestCacheKeepsClientsPerRegionAndRole(t *testing.T) {
	newEndpoint(t)
	c := New(Options{Endpoint: "http://127.0.0.1:1", Credentials: base})
	ctx := context.Background()
	a, _ := c.Clients(ctx, "us-east-1", "")
	b, _ := c.Clients(ctx, "us-east-1", "")
	other, _ := c.Clients(ctx, "eu-west-1", "")
	role, _ := c.Clients(ctx, "us-east-1", "arn:aws:iam::1:role/r")
	if a == nil || a != b || a == other || a == role || role.RoleARN != "arn:aws:iam::1:role/r" || other.Region != "eu-west-1" {
		t.Fatalf("clients: %p %p %p %p", a, b, other, role)
	}
	s1, err := c.Stack(ctx, "us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := c.Stack(ctx, "us-east-1", "")
	s3, _ := c.Stack(ctx, "eu-west-1", "")
	if s1 != s2 || s1 == s3 || s1.Driver == nil || s1.Network == nil {
		t.Fatalf("stack clients: %p %p %p", s1, s2, s3)
	}
	if _, err := c.Clients(ctx, "", ""); err == nil {
		t.Error("no region accepted")
	}
}

func TestRetriesInAdaptiveModeUpToMaxAttempts(t *testing.T) {
	e := newEndpoint(t)
	e.fail = "Throttling"
	cl, err := New(Options{Endpoint: e.URL, Credentials: base, RetryMaxAttempts: 2}).Clients(context.Background(), "us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cl.Config.Retryer().(*retry.AdaptiveMode); !ok {
		t.Fatalf("retryer is %T", cl.Config.Retryer())
	}
	if _, err := cl.CloudFormation.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{}); err == nil {
		t.Fatal("throttled call succeeded")
	}
	if n := len(e.seen("DescribeStacks")); n != 2 {
		t.Fatalf("attempts = %d, want 2", n)
	}
}

type countingTransport struct {
	mu sync.Mutex
	n  int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func TestHTTPClientOption(t *testing.T) {
	e := newEndpoint(t)
	// A CA bundle in the environment makes the SDK refuse HTTP clients given through LoadOptions; the
	// option must work all the same.
	tls := httptest.NewTLSServer(http.NotFoundHandler())
	defer tls.Close()
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tls.Certificate().Raw})
	if err := os.WriteFile(bundle, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CA_BUNDLE", bundle)
	tr := &countingTransport{}
	cl, err := New(Options{Endpoint: e.URL, Credentials: base, HTTPClient: &http.Client{Transport: tr}}).Clients(context.Background(), "us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	describe(t, cl)
	if tr.n != 1 {
		t.Fatalf("requests through the given client: %d", tr.n)
	}
}
