package v1alpha1

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
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

// StackName returns the CloudFormation stack name: spec.stack.name; else the name already recorded in
// status.stackName, so that a stack made under an earlier default keeps its name; else DefaultStackName.
func (in *ComposeStack) StackName() string {
	if in.Spec.Stack.Name != "" {
		return in.Spec.Stack.Name
	}
	if in.Status.StackName != "" {
		return in.Status.StackName
	}
	return DefaultStackName(in.Namespace, in.Name)
}

// DefaultStackName is `<namespace>-<name>-<hash>`, the hash ten hex digits of SHA-256 over "namespace/name".
// `<namespace>-<name>` alone was ambiguous (a/b-c and a-b/c gave the same stack, so one tenant could take
// another's name first); the hash tells them apart, and the readable part is cut to keep within
// CloudFormation's 128 characters. Dots, which a Kubernetes name may have and a stack name may not, become '-'.
func DefaultStackName(namespace, name string) string {
	return hashedStackName(namespace, name, namespace+"/"+name)
}

// hashedStackName is `<namespace>-<name>-<hash>`, the hash over key: the key tells apart kinds whose objects
// may share a namespace and name.
func hashedStackName(namespace, name, key string) string {
	sum := sha256.Sum256([]byte(key))
	suffix := "-" + hex.EncodeToString(sum[:5])
	readable := strings.ReplaceAll(namespace+"-"+name, ".", "-")
	if c := readable[0]; (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
		readable = "cs-" + readable // a namespace may start with a digit, a stack name may not
	}
	if max := maxStackNameLength - len(suffix); len(readable) > max {
		readable = strings.TrimRight(readable[:max], "-")
	}
	return readable + suffix
}

// maxStackNameLength is CloudFormation's limit on a stack name.
const maxStackNameLength = 128

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

// OutputsName returns the name of the object the outputs are written to: spec.outputs.name, or
// `<metadata.name>-outputs`; "" without spec.outputs.
func (in *ComposeStack) OutputsName() string {
	switch {
	case in.Spec.Outputs == nil:
		return ""
	case in.Spec.Outputs.Name != "":
		return in.Spec.Outputs.Name
	}
	return in.Name + "-outputs"
}

// OutputsKind returns the kind of object the outputs are written to, ConfigMap when unset.
func (in *ComposeStack) OutputsKind() OutputsKind {
	if in.Spec.Outputs == nil || in.Spec.Outputs.Kind == "" {
		return OutputsConfigMap
	}
	return in.Spec.Outputs.Kind
}
