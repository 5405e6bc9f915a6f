// Package v1alpha1 holds the ComposeStack API: a Docker Compose project deployed to AWS ECS through a
// CloudFormation stack.
// +kubebuilder:object:generate=true
// +groupName=composestack.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of the ComposeStack API.
	GroupVersion = schema.GroupVersion{Group: "composestack.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the API's types with a runtime scheme. apimachinery's builder keeps this
	// package free of controller-runtime, so clients can import it cheaply.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the API's types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &ComposeStack{}, &ComposeStackList{}, &ComposeNetwork{}, &ComposeNetworkList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
