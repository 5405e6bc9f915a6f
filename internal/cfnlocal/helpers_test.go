package cfnlocal

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

// env is a server behind httptest with SDK clients pointed at it.
type env struct {
	srv *Server
	ts  *httptest.Server
	cfn *cloudformation.Client
	ctx context.Context
}

func sdkConfig(url string, attempts int) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: attempts,
		HTTPClient:       HTTPClient(),
	}
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	s := New(opts)
	ts := httptest.NewServer(s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(func() {
		cancel()
		ts.Close()
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &env{srv: s, ts: ts, cfn: cloudformation.NewFromConfig(sdkConfig(ts.URL, 1)), ctx: ctx}
}

// idle waits until every operation has finished.
func (e *env) idle(t *testing.T) {
	t.Helper()
	if err := e.srv.WaitIdle(e.ctx); err != nil {
		t.Fatal(err)
	}
}

func (e *env) stack(t *testing.T, name string) cfntypes.Stack {
	t.Helper()
	out, err := e.cfn.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatalf("describe stacks %s: %v", name, err)
	}
	if len(out.Stacks) != 1 {
		t.Fatalf("describe stacks %s: got %d stacks", name, len(out.Stacks))
	}
	return out.Stacks[0]
}

// deploy creates a stack through a CREATE change set and waits for it.
func (e *env) deploy(t *testing.T, name, body string, params map[string]string, caps ...cfntypes.Capability) cfntypes.Stack {
	t.Helper()
	id := e.changeSet(t, name, "cs1", cfntypes.ChangeSetTypeCreate, body, params, caps...)
	e.execute(t, id)
	return e.stack(t, name)
}

// changeSet creates a change set and waits until it is computed.
func (e *env) changeSet(t *testing.T, name, csName string, typ cfntypes.ChangeSetType, body string, params map[string]string, caps ...cfntypes.Capability) string {
	t.Helper()
	in := &cloudformation.CreateChangeSetInput{
		StackName: aws.String(name), ChangeSetName: aws.String(csName), ChangeSetType: typ,
		TemplateBody: aws.String(body), Capabilities: caps,
	}
	for k, v := range params {
		in.Parameters = append(in.Parameters, cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)})
	}
	out, err := e.cfn.CreateChangeSet(e.ctx, in)
	if err != nil {
		t.Fatalf("create change set: %v", err)
	}
	e.idle(t)
	return aws.ToString(out.Id)
}

func (e *env) execute(t *testing.T, csID string) {
	t.Helper()
	if _, err := e.cfn.ExecuteChangeSet(e.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: aws.String(csID)}); err != nil {
		t.Fatalf("execute change set: %v", err)
	}
	e.idle(t)
}

// events returns "LogicalId STATUS" oldest first, across all pages.
func (e *env) events(t *testing.T, name string) []string {
	t.Helper()
	var all []cfntypes.StackEvent
	p := cloudformation.NewDescribeStackEventsPaginator(e.cfn, &cloudformation.DescribeStackEventsInput{StackName: aws.String(name)})
	for p.HasMorePages() {
		out, err := p.NextPage(e.ctx)
		if err != nil {
			t.Fatalf("describe stack events: %v", err)
		}
		all = append(all, out.StackEvents...)
	}
	out := make([]string, 0, len(all))
	for i := len(all) - 1; i >= 0; i-- {
		ev := all[i]
		s := aws.ToString(ev.LogicalResourceId) + " " + string(ev.ResourceStatus)
		if r := aws.ToString(ev.ResourceStatusReason); r != "" && r != "User Initiated" {
			s += " (" + r + ")"
		}
		out = append(out, s)
	}
	return out
}

// apiErr asserts err is an API error with the code, HTTP status and a
// message containing want.
func apiErr(t *testing.T, err error, code string, status int, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected %s error, got success", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("expected API error %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Errorf("error code = %q, want %q (message %q)", ae.ErrorCode(), code, ae.ErrorMessage())
	}
	if !strings.Contains(ae.ErrorMessage(), want) {
		t.Errorf("error message = %q, want it to contain %q", ae.ErrorMessage(), want)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("no HTTP response in %v", err)
	}
	if re.HTTPStatusCode() != status {
		t.Errorf("HTTP status = %d, want %d", re.HTTPStatusCode(), status)
	}
}

func equalLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// appTemplate is a small template in the controller's style: a cluster, a
// log group, a role needing CAPABILITY_IAM, a load balancer and a service,
// with outputs and an export.
const appTemplate = `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "test app",
  "Parameters": {
    "Image": {"Type": "String", "Default": "nginx:1"},
    "Secret": {"Type": "String", "NoEcho": true, "Default": "hunter2"}
  },
  "Resources": {
    "Cluster": {"Type": "AWS::ECS::Cluster"},
    "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Fn::Sub": "/ecs/${AWS::StackName}"}}},
    "LB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Type": "network", "Subnets": ["subnet-0cf10c41000000001"]}},
    "Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Family": "web", "ContainerDefinitions": [{"Name": "web", "Image": {"Ref": "Image"}, "LogConfiguration": {"Options": {"awslogs-group": {"Ref": "Logs"}}}}]}},
    "Service": {"Type": "AWS::ECS::Service", "Properties": {"Cluster": {"Ref": "Cluster"}, "TaskDefinition": {"Ref": "Task"}, "DesiredCount": 1}}
  },
  "Outputs": {
    "ClusterArn": {"Value": {"Fn::GetAtt": ["Cluster", "Arn"]}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-cluster"}}},
    "DNS": {"Value": {"Fn::GetAtt": ["LB", "DNSName"]}, "Description": "load balancer"}
  }
}`
