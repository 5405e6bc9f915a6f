package controllers

import (
	"context"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/render"
	"github.com/composestack/composestack/internal/stack"
)

// specNetwork is spec.network as the renderer takes it, before anything is looked up.
func specNetwork(spec *csv1.NetworkSpec) render.Network {
	n := render.Network{AssignPublicIP: true}
	if spec != nil {
		n.VPCID, n.VPCImport = spec.VPCID, spec.VPCImport
		n.SubnetIDs, n.SubnetImports = spec.SubnetIDs, spec.SubnetImports
		n.AssignPublicIP = spec.AssignPublicIP != "Disabled"
		n.InternalLoadBalancer = spec.LoadBalancerScheme == "internal"
		n.IngressCIDR = spec.IngressCIDR
	}
	return n
}

// resolveNetwork looks up what the renderer said it needs, and only that, and fills n with it.
func resolveNetwork(ctx context.Context, needs render.Needs, n render.Network, sc StackClient) (render.Network, error) {
	var lb *stack.LoadBalancer
	if needs.LoadBalancer != "" {
		found, err := sc.ResolveLoadBalancer(ctx, needs.LoadBalancer)
		if err != nil {
			return n, err
		}
		lb = &found
		n.LoadBalancer = &render.ExistingLoadBalancer{ARN: lb.ARN, Type: lb.Type, VPCID: lb.VPCID}
	}
	if !needs.Subnets {
		return n, nil
	}
	if n.VPCImport != "" {
		// An exported VPC has no ID here to look subnets up in, and a template with a Subnets parameter
		// cannot be deployed without a value for it.
		return n, stalled(csv1.ReasonInvalidCompose, "spec.network.vpcImport is set but no subnets are: set spec.network.subnetImports (or subnetIDs) too")
	}
	vpc := needs.VPCID
	if vpc == "" && lb != nil {
		// As Docker Compose for ECS did: with no VPC named, the stack goes into the load balancer's VPC and
		// subnets.
		if len(lb.Subnets) > 0 {
			n.VPCID, n.SubnetIDs = lb.VPCID, lb.Subnets
			return n, nil
		}
		vpc = lb.VPCID
	}
	id, subnets, err := sc.ResolveNetwork(ctx, vpc)
	if err != nil {
		return n, err
	}
	n.VPCID, n.SubnetIDs = id, subnets
	return n, nil
}
