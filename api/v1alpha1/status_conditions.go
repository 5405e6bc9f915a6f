package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// GetConditions returns the status conditions.
func (in *ComposeStack) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces the status conditions and records the generation that they describe.
func (in *ComposeStack) SetConditions(conditions []metav1.Condition, observedGeneration int64) {
	in.Status.Conditions, in.Status.ObservedGeneration = conditions, observedGeneration
}

// GetConditions returns the status conditions.
func (in *ComposeNetwork) GetConditions() []metav1.Condition { return in.Status.Conditions }

// SetConditions replaces the status conditions and records the generation that they describe.
func (in *ComposeNetwork) SetConditions(conditions []metav1.Condition, observedGeneration int64) {
	in.Status.Conditions, in.Status.ObservedGeneration = conditions, observedGeneration
}
