package stack_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
)

// loadBalancers creates, outside the driver, a stack with an internal application load balancer named
// shared in two subnets (given out of order) and a network load balancer named edge, and returns the ARN
// of shared.
func loadBalancers(t *testing.T, e *localEnv) string {
	t.Helper()
	body := fmt.Sprintf(`{"Resources":{
  "Shared":{"Type":"AWS::ElasticLoadBalancingV2::LoadBalancer","Properties":{"Name":"shared","Scheme":"internal","Subnets":[%q,%q]}},
  "Edge":{"Type":"AWS::ElasticLoadBalancingV2::LoadBalancer","Properties":{"Name":"edge","Type":"network"}}},
 "Outputs":{"SharedARN":{"Value":{"Ref":"Shared"}}}}`, localSubnets[1], localSubnets[0])
	if _, err := e.cf.CreateStack(context.Background(), &cloudformation.CreateStackInput{
		StackName: aws.String("network"), TemplateBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	e.settle(t)
	st := e.describe(t, "network")
	if st == nil || len(st.Outputs) != 1 {
		t.Fatalf("load balancer stack: %+v", st)
	}
	return aws.ToString(st.Outputs[0].OutputValue)
}

func TestResolveLoadBalancer(t *testing.T) {
	e := newLocalEnv(t, false)
	arn := loadBalancers(t, e)
	want := stack.LoadBalancer{ARN: arn, Name: "shared", Type: "application", Scheme: "internal", VPCID: localVPC, Subnets: localSubnets[:2]}
	for _, nameOrARN := range []string{"shared", arn} {
		t.Run(nameOrARN, func(t *testing.T) {
			got, err := stack.NewLoadBalancerResolver(e.cl.ELBv2, 0, nil).Resolve(context.Background(), nameOrARN)
			if err != nil || got.ARN != want.ARN || got.Name != want.Name || got.Type != want.Type || got.Scheme != want.Scheme ||
				got.VPCID != want.VPCID || !slices.Equal(got.Subnets, want.Subnets) {
				t.Fatalf("Resolve = %+v, %v; want %+v", got, err, want)
			}
		})
	}
	c := &stack.Client{LoadBalancers: stack.NewLoadBalancerResolver(e.cl.ELBv2, 0, nil)}
	if got, err := c.ResolveLoadBalancer(context.Background(), "edge"); err != nil || got.Type != "network" || got.Scheme != "internet-facing" {
		t.Fatalf("Client.ResolveLoadBalancer = %+v, %v", got, err)
	}
}

func TestResolveLoadBalancerErrors(t *testing.T) {
	cases := []struct {
		name     string
		lb       func(arn string) string
		down     bool
		terminal bool
		msg      string
	}{
		{"unknown name", func(string) string { return "nope" }, false, true, `load balancer "nope" (x-aws-loadbalancer) does not exist`},
		{"unknown ARN", func(arn string) string { return strings.Replace(arn, "shared", "gone", 1) }, false, true, "does not exist in this region"},
		{"ELB down", func(string) string { return "shared" }, true, false, "DescribeLoadBalancers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newLocalEnv(t, false)
			arn := loadBalancers(t, e)
			if c.down {
				e.apiFault(t, cfnlocal.APIFault{Operation: "elasticloadbalancing:DescribeLoadBalancers", Kind: cfnlocal.FaultServerError})
			}
			_, err := stack.NewLoadBalancerResolver(e.cl.ELBv2, 0, nil).Resolve(context.Background(), c.lb(arn))
			if err == nil || stack.IsTerminal(err) != c.terminal || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v", err)
			}
			if c.terminal && terminalReason(err) != csv1.ReasonNetworkNotFound {
				t.Errorf("reason = %s", terminalReason(err))
			}
		})
	}
}

func TestResolveLoadBalancerCachesUntilTTL(t *testing.T) {
	e := newLocalEnv(t, false)
	loadBalancers(t, e)
	c := &clock{t: time.Now()}
	r := stack.NewLoadBalancerResolver(e.cl.ELBv2, time.Minute, c.Now)
	for range 3 {
		if _, err := r.Resolve(context.Background(), "shared"); err != nil {
			t.Fatal(err)
		}
	}
	const op = "elasticloadbalancing:DescribeLoadBalancers"
	if n := e.calls(op); n != 1 {
		t.Fatalf("DescribeLoadBalancers calls = %d, want 1", n)
	}
	// A cached answer cannot be changed through the slice it handed out.
	lb, _ := r.Resolve(context.Background(), "shared")
	lb.Subnets[0] = "changed"
	if again, _ := r.Resolve(context.Background(), "shared"); again.Subnets[0] != localSubnets[0] {
		t.Fatal("cache was changed by a caller")
	}
	c.t = c.t.Add(time.Minute)
	if _, err := r.Resolve(context.Background(), "shared"); err != nil {
		t.Fatal(err)
	}
	if n := e.calls(op); n != 2 {
		t.Fatalf("not looked up again after the TTL: %d calls", n)
	}
}
