package stack_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// TestMotoResolvesLoadBalancer looks up a load balancer that exists outside the stack, by name and by ARN,
// through the real SDK, as x-aws-loadbalancer needs.
func TestMotoResolvesLoadBalancer(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()
	vpcs, err := e.clients.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{
		Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(vpcs.Vpcs) == 0 {
		t.Fatalf("default VPC: %v %v", vpcs, err)
	}
	vpc := aws.ToString(vpcs.Vpcs[0].VpcId)
	subnets, err := e.clients.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}})
	if err != nil || len(subnets.Subnets) < 2 {
		t.Fatalf("default subnets: %v %v", subnets, err)
	}
	var ids []string
	for _, s := range subnets.Subnets[:2] {
		ids = append(ids, aws.ToString(s.SubnetId))
	}
	slices.Sort(ids)
	created, err := e.clients.ELBv2.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{
		Name: aws.String("shared-edge"), Subnets: ids, Type: elbv2types.LoadBalancerTypeEnumNetwork,
		Scheme: elbv2types.LoadBalancerSchemeEnumInternal,
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.LoadBalancers[0].LoadBalancerArn)

	r := stack.NewLoadBalancerResolver(e.clients.ELBv2, 0, nil)
	for _, nameOrARN := range []string{"shared-edge", arn} {
		lb, err := r.Resolve(ctx, nameOrARN)
		if err != nil {
			t.Fatalf("Resolve(%s): %v", nameOrARN, err)
		}
		if lb.ARN != arn || lb.Name != "shared-edge" || lb.Type != "network" || lb.Scheme != "internal" || lb.VPCID != vpc || !slices.Equal(lb.Subnets, ids) {
			t.Errorf("Resolve(%s) = %+v; want ARN %s, VPC %s, subnets %v", nameOrARN, lb, arn, vpc, ids)
		}
	}
	_, err = r.Resolve(ctx, "no-such-lb")
	var term *stack.TerminalError
	if !errors.As(err, &term) || term.Reason != csv1.ReasonNetworkNotFound {
		t.Fatalf("unknown load balancer: err = %v, want a NetworkNotFound TerminalError", err)
	}
}
