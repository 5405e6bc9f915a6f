package v1alpha1

import (
	"time"
)

// DefaultInterval is the resync interval when spec.interval is unset.
const DefaultInterval = 10 * time.Minute

// ProjectName returns the compose project name: spec.compose.projectName, or the object's name.
func (in *ComposeStack) ProjectName() string {
	if in.Spec.Compose.ProjectName != "" {
		return in.Spec.Compose.ProjectName
	}
	return in.Name
}

// StackName returns the CloudFormation stack name: spec.stack.name, or `<namespace>-<name>`.
func (in *ComposeStack) StackName() string {
	if in.Spec.Stack.Name != "" {
		return in.Spec.Stack.Name
	}
	return in.Namespace + "-" + in.Name
}

// Interval returns the resync interval.
func (in *ComposeStack) Interval() time.Duration {
	if in.Spec.Interval == nil || in.Spec.Interval.Duration <= 0 {
		return DefaultInterval
	}
	return in.Spec.Interval.Duration
}

// DeletionPolicy returns the deletion policy, Delete when unset.
func (in *ComposeStack) DeletionPolicy() DeletionPolicy {
	if in.Spec.Stack.DeletionPolicy == "" {
		return DeletionPolicyDelete
	}
	return in.Spec.Stack.DeletionPolicy
}
