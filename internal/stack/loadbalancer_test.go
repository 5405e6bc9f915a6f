package stack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack/stackfake"
)

const sharedALB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shared/0123456789abcdef"

func loadBalancers() *stackfake.ELBv2 {
	return &stackfake.ELBv2{LoadBalancers: []elbv2types.LoadBalancer{
		{
			LoadBalancerArn: aws.String(sharedALB), LoadBalancerName: aws.String("shared"),
			Type: elbv2types.LoadBalancerTypeEnumApplication, Scheme: elbv2types.LoadBalancerSchemeEnumInternal,
			VpcId: aws.String("vpc-app"),
			AvailabilityZones: []elbv2types.AvailabilityZone{
				{ZoneName: aws.String("us-east-1b"), SubnetId: aws.String("subnet-b")},
				{ZoneName: aws.String("us-east-1a"), SubnetId: aws.String("subnet-a")},
			},
		},
		{
			LoadBalancerArn:  aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/edge/fedcba9876543210"),
			LoadBalancerName: aws.String("edge"), Type: elbv2types.LoadBalancerTypeEnumNetwork,
			Scheme: elbv2types.LoadBalancerSchemeEnumInternetFacing, VpcId: aws.String("vpc-default"),
		},
	}}
}

func TestResolveLoadBalancer(t *testing.T) {
	want := LoadBalancer{ARN: sharedALB, Name: "shared", Type: "application", Scheme: "internal", VPCID: "vpc-app", Subnets: []string{"subnet-a", "subnet-b"}}
	for _, nameOrARN := range []string{"shared", sharedALB} {
		t.Run(nameOrARN, func(t *testing.T) {
			got, err := NewLoadBalancerResolver(loadBalancers(), 0, nil).Resolve(context.Background(), nameOrARN)
			if err != nil || got.ARN != want.ARN || got.Name != want.Name || got.Type != want.Type || got.Scheme != want.Scheme ||
				got.VPCID != want.VPCID || !slices.Equal(got.Subnets, want.Subnets) {
				t.Fatalf("Resolve = %+v, %v; want %+v", got, err, want)
			}
		})
	}
	c := &Client{LoadBalancers: NewLoadBalancerResolver(loadBalancers(), 0, nil)}
	if got, err := c.ResolveLoadBalancer(context.Background(), "edge"); err != nil || got.Type != "network" || len(got.Subnets) != 0 {
		t.Fatalf("Client.ResolveLoadBalancer = %+v, %v", got, err)
	}
}

func TestResolveLoadBalancerErrors(t *testing.T) {
	broken := loadBalancers()
	broken.Err = errors.New("connection reset")
	cases := []struct {
		name, lb string
		elb      *stackfake.ELBv2
		terminal bool
		msg      string
	}{
		{"unknown name", "nope", loadBalancers(), true, `load balancer "nope" (x-aws-loadbalancer) does not exist`},
		{"unknown ARN", strings.Replace(sharedALB, "shared", "gone", 1), loadBalancers(), true, "does not exist in this region"},
		{"ELB down", "shared", broken, false, "connection reset"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewLoadBalancerResolver(c.elb, 0, nil).Resolve(context.Background(), c.lb)
			if err == nil || IsTerminal(err) != c.terminal || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v", err)
			}
			if c.terminal && terminalReason(err) != csv1.ReasonNetworkNotFound {
				t.Errorf("reason = %s", terminalReason(err))
			}
		})
	}
}

func TestResolveLoadBalancerCachesUntilTTL(t *testing.T) {
	c := newClock()
	elb := loadBalancers()
	r := NewLoadBalancerResolver(elb, time.Minute, c.Now)
	for range 3 {
		if _, err := r.Resolve(context.Background(), "shared"); err != nil {
			t.Fatal(err)
		}
	}
	if n := elb.Calls("DescribeLoadBalancers"); n != 1 {
		t.Fatalf("DescribeLoadBalancers calls = %d, want 1", n)
	}
	// A cached answer cannot be changed through the slice it handed out.
	lb, _ := r.Resolve(context.Background(), "shared")
	lb.Subnets[0] = "changed"
	if again, _ := r.Resolve(context.Background(), "shared"); again.Subnets[0] != "subnet-a" {
		t.Fatal("cache was changed by a caller")
	}
	c.Add(time.Minute)
	if _, err := r.Resolve(context.Background(), "shared"); err != nil {
		t.Fatal(err)
	}
	if n := elb.Calls("DescribeLoadBalancers"); n != 2 {
		t.Fatalf("not looked up again after the TTL: %d calls", n)
	}
}
