package controllers

import (
	"context"
	"fmt"
	"strings"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/compose"
	"github.com/composestack/composestack/internal/overlay"
	"github.com/composestack/composestack/internal/render"
	"github.com/composestack/composestack/internal/stack"
)

// StackClient is what the reconciler needs from AWS for one region and role: the stack driver and the
// network lookups that rendering needs.
type StackClient interface {
	Sync(ctx context.Context, d stack.Desired) (stack.Result, error)
	Delete(ctx context.Context, stackName string, owner stack.Owner) (stack.Result, error)
	ResolveNetwork(ctx context.Context, vpcID string) (string, []string, error)
	ResolveLoadBalancer(ctx context.Context, nameOrARN string) (stack.LoadBalancer, error)
}

// StackClients hands out a StackClient per region and role.
type StackClients interface {
	For(ctx context.Context, region, roleARN string) (StackClient, error)
}

// stackClient checks the region and role of obj and returns its StackClient.
func (r *ComposeStackReconciler) stackClient(ctx context.Context, obj *csv1.ComposeStack) (StackClient, error) {
	region := obj.Spec.Stack.Region
	if region == "" {
		region = r.DefaultRegion
	}
	if region == "" {
		return nil, stalled(csv1.ReasonAWSError, "spec.stack.region is not set and the controller has no default region; set spec.stack.region (or the manager's --default-region)")
	}
	if role := obj.Spec.Stack.RoleARN; role != "" && !r.roleAllowed(role) {
		return nil, stalled(csv1.ReasonRoleNotAllowed, "spec.stack.roleARN %q is not among the roles this controller may assume; use an allowed role or ask the operator to add it to --allowed-role-arns", role)
	}
	return r.Stacks.For(ctx, region, obj.Spec.Stack.RoleARN)
}

// desired loads and renders the project into the stack the driver should converge to. It is the one
// place where the spec becomes a template, so that suspend and sync compare the same thing.
func (r *ComposeStackReconciler) desired(ctx context.Context, obj *csv1.ComposeStack) (*stack.Desired, StackClient, error) {
	in, err := r.gatherInputs(ctx, obj)
	if err != nil {
		return nil, nil, err
	}
	loaded, err := compose.Load(ctx, in.source)
	if err != nil {
		return nil, nil, stalled(csv1.ReasonInvalidCompose, "spec.compose: %v", err)
	}
	sc, err := r.stackClient(ctx, obj)
	if err != nil {
		return nil, nil, err
	}
	network, err := resolveNetwork(ctx, obj.Spec.Network, loaded, sc)
	if err != nil {
		return nil, nil, err
	}
	// Overlays are checked here, where their field is known, so a broken one is named as such.
	for i, o := range in.overlays {
		if _, err := overlay.Parse(o); err != nil {
			return nil, nil, stalled(csv1.ReasonInvalidOverlay, "spec.stack.overlays[%d]: %v", i, err)
		}
	}
	out, err := render.Render(loaded.Project, render.Options{
		ProjectName:  obj.ProjectName(),
		Network:      network,
		Overlays:     in.overlays,
		SensitiveEnv: loaded.SensitiveEnv,
		Files:        loaded.Files,
	})
	if err != nil {
		return nil, nil, stalled(csv1.ReasonInvalidCompose, "spec.compose: %v", err)
	}
	obj.Status.Warnings = append(append([]string{}, loaded.Warnings...), out.Warnings...)
	obj.Status.Endpoints = endpoints(obj.Status.Endpoints, out.Listeners)

	params := make([]stack.Parameter, 0, len(out.Parameters)+len(obj.Spec.Stack.Parameters))
	for _, p := range out.Parameters {
		params = append(params, stack.Parameter{Key: p.Key, Value: p.Value, Sensitive: p.Sensitive})
	}
	for k, v := range obj.Spec.Stack.Parameters {
		params = append(params, stack.Parameter{Key: k, Value: v})
	}
	bucket := obj.Spec.Stack.TemplateBucket
	if bucket == "" {
		bucket = r.DefaultTemplateBucket
	}
	return &stack.Desired{
		StackName:         obj.StackName(),
		TemplateBody:      out.Body,
		Parameters:        params,
		Tags:              obj.Spec.Stack.Tags,
		Owner:             ownerOf(obj),
		Adopt:             obj.Spec.Stack.Adopt,
		TemplateBucket:    bucket,
		ResyncInterval:    obj.Interval(),
		LastAppliedDigest: obj.Status.LastAppliedDigest,
	}, sc, nil
}

// resolveNetwork turns spec.network (or x-aws-vpc, or the load balancer x-aws-loadbalancer names, or the
// account's default VPC) into the renderer's network. Only a VPC given by ID, or none at all, needs an EC2
// lookup for its subnets.
func resolveNetwork(ctx context.Context, spec *csv1.NetworkSpec, loaded *compose.Loaded, sc StackClient) (render.Network, error) {
	n := render.Network{AssignPublicIP: true}
	if spec != nil {
		n.VPCID, n.VPCImport = spec.VPCID, spec.VPCImport
		n.SubnetIDs, n.SubnetImports = spec.SubnetIDs, spec.SubnetImports
		n.AssignPublicIP = spec.AssignPublicIP != "Disabled"
		n.InternalLoadBalancer = spec.LoadBalancerScheme == "internal"
		n.IngressCIDR = spec.IngressCIDR
	}
	lb, err := existingLoadBalancer(ctx, loaded, sc)
	if err != nil {
		return n, err
	}
	if lb != nil {
		n.LoadBalancer = &render.ExistingLoadBalancer{ARN: lb.ARN, Type: lb.Type, VPCID: lb.VPCID}
	}
	if len(n.SubnetIDs) > 0 || len(n.SubnetImports) > 0 {
		return n, nil
	}
	if n.VPCImport != "" {
		return n, stalled(csv1.ReasonInvalidCompose, "spec.network.vpcImport is set but no subnets are: set spec.network.subnetImports (or subnetIDs) too")
	}
	vpc := n.VPCID
	if vpc == "" {
		vpc = xAWSVPC(loaded)
	}
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

// existingLoadBalancer looks up the load balancer x-aws-loadbalancer names, by name or ARN; nil without it.
func existingLoadBalancer(ctx context.Context, loaded *compose.Loaded, sc StackClient) (*stack.LoadBalancer, error) {
	ext, ok := loaded.Project.Extensions["x-aws-loadbalancer"]
	if !ok {
		return nil, nil
	}
	nameOrARN, _ := ext.(string)
	if nameOrARN == "" {
		return nil, stalled(csv1.ReasonInvalidCompose, "spec.compose: x-aws-loadbalancer must be the name or ARN of an existing load balancer, got %v", ext)
	}
	lb, err := sc.ResolveLoadBalancer(ctx, nameOrARN)
	if err != nil {
		return nil, err
	}
	return &lb, nil
}

// xAWSVPC reads the project's x-aws-vpc, which may be an ID or an ARN (its last segment is the ID), as
// Docker Compose for ECS read it.
func xAWSVPC(loaded *compose.Loaded) string {
	v, _ := loaded.Project.Extensions["x-aws-vpc"].(string)
	if i := strings.LastIndex(v, "/"); i >= 0 {
		v = v[i+1:]
	}
	return v
}

func ownerOf(obj *csv1.ComposeStack) stack.Owner {
	return stack.Owner{Namespace: obj.Namespace, Name: obj.Name, UID: string(obj.UID)}
}

// endpoints keeps the DNS name already known and takes the listeners from the rendered template.
func endpoints(prev *csv1.Endpoints, listeners []render.Listener) *csv1.Endpoints {
	if len(listeners) == 0 {
		return nil
	}
	e := &csv1.Endpoints{}
	if prev != nil {
		e.LoadBalancerDNSName = prev.LoadBalancerDNSName
	}
	for _, l := range listeners {
		e.Listeners = append(e.Listeners, csv1.Listener{Service: l.Service, Port: l.Port, Protocol: l.Protocol})
	}
	return e
}

// loadBalancerOutput is the output key holding the load balancer's DNS name.
const loadBalancerOutput = "LoadBalancerDNSName"

func failedResources(in []stack.FailedResource) []csv1.FailedResource {
	if len(in) == 0 {
		return nil
	}
	out := make([]csv1.FailedResource, 0, len(in))
	for _, f := range in {
		out = append(out, csv1.FailedResource{LogicalID: f.LogicalID, Type: f.Type, Status: f.Status, Reason: f.Reason})
	}
	return out
}

func describe(res stack.Result) string {
	if res.Message != "" {
		return res.Message
	}
	return fmt.Sprintf("stack %s", res.StackStatus)
}
