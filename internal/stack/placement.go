package stack

import (
	"context"
	"errors"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/render"
)

// ErrImportedVPCWithoutSubnets is returned by Place for a VPC given by export name with no subnets: an
// exported VPC has no ID here to look subnets up in, and a template with a Subnets parameter cannot be
// deployed without a value for it.
var ErrImportedVPCWithoutSubnets = errors.New("spec.network.vpcImport is set but no subnets are: set spec.network.subnetImports (or subnetIDs) too")

// Lookups are the AWS lookups Place makes; Client has them, and the controller's fakes do too.
type Lookups interface {
	ResolveNetwork(ctx context.Context, vpcID string) (string, []string, error)
	ResolveLoadBalancer(ctx context.Context, nameOrARN string) (LoadBalancer, error)
}

// SpecNetwork is spec.network as the renderer takes it, before anything is looked up. The controller and
// `composestack diff` read a manifest through it, so both place the stack alike.
func SpecNetwork(spec *csv1.NetworkSpec) render.Network {
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

// RefNetwork is spec.network placed into a ComposeNetwork (spec.network.networkRef) that exports the names in
// exports: the tasks in its private subnets without public IPs, the load balancer in its public subnets, or with
// the tasks when loadBalancerScheme is internal. Everything comes from Fn::ImportValue, so nothing is looked up.
func RefNetwork(spec *csv1.NetworkSpec, exports csv1.NetworkExports) render.Network {
	n := SpecNetwork(spec)
	n.VPCImport = exports.VPC
	n.SubnetImports = exports.PrivateSubnets
	// Private subnets route out through NAT, if at all: a public IP there reaches nothing.
	n.AssignPublicIP = false
	if !n.InternalLoadBalancer {
		n.LoadBalancerSubnetImports = exports.PublicSubnets
	}
	return n
}

// Place looks up what the renderer said it needs, and only that, and fills n with it.
func Place(ctx context.Context, needs render.Needs, n render.Network, l Lookups) (render.Network, error) {
	var lb *LoadBalancer
	if needs.LoadBalancer != "" {
		found, err := l.ResolveLoadBalancer(ctx, needs.LoadBalancer)
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
		return n, ErrImportedVPCWithoutSubnets
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
	id, subnets, err := l.ResolveNetwork(ctx, vpc)
	if err != nil {
		return n, err
	}
	n.VPCID, n.SubnetIDs = id, subnets
	return n, nil
}
