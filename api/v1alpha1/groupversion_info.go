// Package v1alpha1 holds the ComposeStack API: a Docker Compose project deployed to AWS ECS through a
// CloudFormation stack.
// +kubebuilder:object:generate=true
// +groupName=composestack.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of the ComposeStack API.
	GroupVersion = schema.GroupVersion{Group: "composestack.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the API's types with a runtime scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the API's types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
