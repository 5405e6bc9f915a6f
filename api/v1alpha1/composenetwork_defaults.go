package v1alpha1

import "time"

// StackName returns the network's CloudFormation stack name: spec.stack.name; else the name already recorded in
// status.stackName; else DefaultNetworkStackName.
func (in *ComposeNetwork) StackName() string {
	if in.Spec.Stack.Name != "" {
		return in.Spec.Stack.Name
	}
	if in.Status.StackName != "" {
		return in.Status.StackName
	}
	return DefaultNetworkStackName(in.Namespace, in.Name)
}

// DefaultNetworkStackName is `<namespace>-<name>-<hash>` like DefaultStackName, but hashed apart from it: a
// ComposeNetwork and a ComposeStack of the same name in one namespace get different stacks.
func DefaultNetworkStackName(namespace, name string) string {
	// A space cannot occur in a namespace or a name, so no ComposeStack's key is this one.
	return hashedStackName(namespace, name, "ComposeNetwork "+namespace+"/"+name)
}

// ZoneCount returns how many Availability Zones the network spans, 2 when unset.
func (in *ComposeNetwork) ZoneCount() int {
	if in.Spec.Zones == 0 {
		return 2
	}
	return int(in.Spec.Zones)
}

// Interval returns the resync interval.
func (in *ComposeNetwork) Interval() time.Duration {
	if in.Spec.Interval == nil || in.Spec.Interval.Duration <= 0 {
		return DefaultInterval
	}
	return in.Spec.Interval.Duration
}

// DeletionPolicy returns the deletion policy, Delete when unset.
func (in *ComposeNetwork) DeletionPolicy() DeletionPolicy {
	if in.Spec.Stack.DeletionPolicy == "" {
		return DeletionPolicyDelete
	}
	return in.Spec.Stack.DeletionPolicy
}
