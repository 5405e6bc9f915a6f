package stackfake

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// ELBv2 is an account's load balancers, for the LoadBalancerResolver.
type ELBv2 struct {
	// LoadBalancers are what the account has.
	LoadBalancers []elbv2types.LoadBalancer
	// Err, when set, is returned by every call.
	Err error

	callCounter
}

// DescribeLoadBalancers honours Names and LoadBalancerArns; one that does not exist is LoadBalancerNotFound,
// and giving both is a ValidationError, as in AWS.
func (e *ELBv2) DescribeLoadBalancers(_ context.Context, in *elbv2.DescribeLoadBalancersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	e.count("DescribeLoadBalancers")
	if e.Err != nil {
		return nil, e.Err
	}
	if len(in.Names) > 0 && len(in.LoadBalancerArns) > 0 {
		return nil, apiError("ValidationError", "Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	out := &elbv2.DescribeLoadBalancersOutput{}
	for _, lb := range e.LoadBalancers {
		if len(in.Names) > 0 && !slices.Contains(in.Names, aws.ToString(lb.LoadBalancerName)) ||
			len(in.LoadBalancerArns) > 0 && !slices.Contains(in.LoadBalancerArns, aws.ToString(lb.LoadBalancerArn)) {
			continue
		}
		out.LoadBalancers = append(out.LoadBalancers, lb)
	}
	if want := len(in.Names) + len(in.LoadBalancerArns); want > 0 && len(out.LoadBalancers) < want {
		return nil, apiError("LoadBalancerNotFound", "One or more load balancers not found")
	}
	return out, nil
}
