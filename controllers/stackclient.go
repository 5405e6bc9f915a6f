package controllers

import (
	"context"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// StackClient is what the reconciler needs from AWS for one region and role: the stack driver and the
// network lookups that rendering needs.
type StackClient interface {
	Sync(ctx context.Context, d stack.Desired) (stack.Result, error)
	Delete(ctx context.Context, stackName string, owner stack.Owner) (stack.Result, error)
	ResolveNetwork(ctx context.Context, vpcID string) (string, []string, error)
	ResolveLoadBalancer(ctx context.Context, nameOrARN string) (stack.LoadBalancer, error)
	FindRetainedFileSystems(ctx context.Context, project string, volumes []string) (map[string]string, error)
	DetectDrift(ctx context.Context, stackName string) (stack.DriftReport, error)
	DriftResult(ctx context.Context, stackName, detectionID string) (stack.DriftReport, error)
}

// StackClients hands out a StackClient per region and role.
type StackClients interface {
	For(ctx context.Context, region, roleARN string) (StackClient, error)
}

// stackClient checks the region and role of obj and returns its StackClient.
func (r *ComposeStackReconciler) stackClient(ctx context.Context, obj *csv1.ComposeStack) (StackClient, error) {
	return stackClientFor(ctx, r.Stacks, r.DefaultRegion, r.AllowedRoleARNs, obj.Spec.Stack.Region, obj.Spec.Stack.RoleARN)
}

// stackClientFor checks a spec.stack's region and role against the controller's default region and allowed
// roles, and returns their StackClient.
func stackClientFor(ctx context.Context, stacks StackClients, defaultRegion string, allowed []string, region, role string) (StackClient, error) {
	if region == "" {
		region = defaultRegion
	}
	if region == "" {
		return nil, stalled(csv1.ReasonAWSError, "spec.stack.region is not set and the controller has no default region; set spec.stack.region (or the manager's --default-region)")
	}
	if role != "" && !roleAllowed(allowed, role) {
		return nil, stalled(csv1.ReasonRoleNotAllowed, "spec.stack.roleARN %q is not among the roles this controller may assume; use an allowed role or ask the operator to add it to --allowed-role-arns", role)
	}
	return stacks.For(ctx, region, role)
}

// roleAllowed says whether the controller may assume role for a stack.
func roleAllowed(allowed []string, role string) bool {
	return slices.ContainsFunc(allowed, func(p string) bool {
		if n := len(p); n > 0 && p[n-1] == '*' {
			return len(role) >= n-1 && role[:n-1] == p[:n-1]
		}
		return p == role
	})
}

// ownerOf is the object a stack belongs to, for its owner tags.
func ownerOf(obj client.Object) stack.Owner {
	return stack.Owner{Namespace: obj.GetNamespace(), Name: obj.GetName(), UID: string(obj.GetUID())}
}
