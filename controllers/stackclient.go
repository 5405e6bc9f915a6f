package controllers

import (
	"context"
	"slices"

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

// roleAllowed says whether the controller may assume role for a stack.
func (r *ComposeStackReconciler) roleAllowed(role string) bool {
	return slices.ContainsFunc(r.AllowedRoleARNs, func(p string) bool {
		if n := len(p); n > 0 && p[n-1] == '*' {
			return len(role) >= n-1 && role[:n-1] == p[:n-1]
		}
		return p == role
	})
}

func ownerOf(obj *csv1.ComposeStack) stack.Owner {
	return stack.Owner{Namespace: obj.Namespace, Name: obj.Name, UID: string(obj.UID)}
}
