package stack

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// LoadBalancer is an existing load balancer, as x-aws-loadbalancer names it: the stack adds its listeners to
// it, and its tasks go into its VPC.
type LoadBalancer struct {
	ARN, Name string
	// Type is "application" or "network".
	Type string
	// Scheme is "internet-facing" or "internal".
	Scheme string
	VPCID  string
	// Subnets are the load balancer's subnets, one per availability zone, sorted by ID.
	Subnets []string
}

// LoadBalancerResolver looks up existing load balancers by name or ARN, for one region and account (one
// ELBv2 client), and caches what it found for a while, as NetworkResolver does for VPCs.
type LoadBalancerResolver struct {
	elb   ELBv2API
	cache *ttlCache[LoadBalancer]
}

// NewLoadBalancerResolver returns a resolver over client. ttl <= 0 takes DefaultNetworkTTL; now nil takes
// time.Now.
func NewLoadBalancerResolver(client ELBv2API, ttl time.Duration, now func() time.Time) *LoadBalancerResolver {
	return &LoadBalancerResolver{elb: client, cache: newTTLCache[LoadBalancer](ttl, now)}
}

// Resolve finds the load balancer nameOrARN (an ARN when it starts with "arn:", as Docker Compose for ECS
// told them apart). A load balancer that does not exist is a TerminalError: the user has to name one that
// does.
func (r *LoadBalancerResolver) Resolve(ctx context.Context, nameOrARN string) (LoadBalancer, error) {
	if lb, ok := r.cache.get(nameOrARN); ok {
		return cloneLoadBalancer(lb), nil
	}
	in := &elbv2.DescribeLoadBalancersInput{}
	if strings.HasPrefix(nameOrARN, "arn:") {
		in.LoadBalancerArns = []string{nameOrARN}
	} else {
		in.Names = []string{nameOrARN}
	}
	out, err := r.elb.DescribeLoadBalancers(ctx, in)
	switch code := apiCode(err); {
	case code == "LoadBalancerNotFound" || err == nil && len(out.LoadBalancers) == 0:
		return LoadBalancer{}, terminal(csv1.ReasonNetworkNotFound, nil,
			"load balancer %q (x-aws-loadbalancer) does not exist in this region and account; name an existing load balancer, or remove x-aws-loadbalancer to have the stack create one", nameOrARN)
	case code == "ValidationError":
		return LoadBalancer{}, terminal(csv1.ReasonNetworkNotFound, nil,
			"x-aws-loadbalancer %q is neither a load balancer name nor an ARN: %s", nameOrARN, apiMessage(err))
	case err != nil:
		return LoadBalancer{}, fmt.Errorf("describing load balancer %s: %w", nameOrARN, err)
	}
	found := out.LoadBalancers[0]
	lb := LoadBalancer{
		ARN:    aws.ToString(found.LoadBalancerArn),
		Name:   aws.ToString(found.LoadBalancerName),
		Type:   string(found.Type),
		Scheme: string(found.Scheme),
		VPCID:  aws.ToString(found.VpcId),
	}
	for _, az := range found.AvailabilityZones {
		if id := aws.ToString(az.SubnetId); id != "" {
			lb.Subnets = append(lb.Subnets, id)
		}
	}
	slices.Sort(lb.Subnets)
	r.cache.put(nameOrARN, lb)
	return cloneLoadBalancer(lb), nil
}

func cloneLoadBalancer(lb LoadBalancer) LoadBalancer {
	lb.Subnets = slices.Clone(lb.Subnets)
	return lb
}
