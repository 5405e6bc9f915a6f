package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// phase is the one summary of a reconcile that the conditions are derived from, so that Ready, Reconciling and
// Stalled can never disagree.
type phase int

const (
	phaseReady       phase = iota // converged: Ready=True
	phaseProgressing              // converging: Ready=False, Reconciling=True
	phaseStalled                  // needs the user: Ready=False, Stalled=True
	phaseRetrying                 // a transient failure: Ready=False, Reconciling=True
	phaseSuspended                // suspended: Ready as the stack last was, nothing in flight
)

// conditioned is an object whose status carries kstatus conditions: ComposeStack and ComposeNetwork.
type conditioned interface {
	client.Object
	GetConditions() []metav1.Condition
	SetConditions(conditions []metav1.Condition, observedGeneration int64)
}

// setConditions is the one place that writes conditions, following kstatus: Ready always present,
// Reconciling and Stalled only while true, each stamped with the generation it describes.
func setConditions(obj conditioned, p phase, readyStatus metav1.ConditionStatus, reason, message string) {
	gen := obj.GetGeneration()
	conds := obj.GetConditions()
	set := func(t string, s metav1.ConditionStatus) {
		meta.SetStatusCondition(&conds, metav1.Condition{
			Type: t, Status: s, Reason: reason, Message: truncate(message, 32768), ObservedGeneration: gen,
		})
	}
	switch p {
	case phaseReady:
		set(csv1.ConditionReady, metav1.ConditionTrue)
		meta.RemoveStatusCondition(&conds, csv1.ConditionReconciling)
		meta.RemoveStatusCondition(&conds, csv1.ConditionStalled)
	case phaseProgressing, phaseRetrying:
		set(csv1.ConditionReady, metav1.ConditionFalse)
		set(csv1.ConditionReconciling, metav1.ConditionTrue)
		meta.RemoveStatusCondition(&conds, csv1.ConditionStalled)
	case phaseStalled:
		set(csv1.ConditionReady, metav1.ConditionFalse)
		set(csv1.ConditionStalled, metav1.ConditionTrue)
		meta.RemoveStatusCondition(&conds, csv1.ConditionReconciling)
	case phaseSuspended:
		set(csv1.ConditionReady, readyStatus)
		meta.RemoveStatusCondition(&conds, csv1.ConditionReconciling)
		meta.RemoveStatusCondition(&conds, csv1.ConditionStalled)
	}
	obj.SetConditions(conds, gen)
}

// setDrifted writes the Drifted condition, which stands beside the kstatus ones: it says what the last drift
// check found, whatever Ready says.
func setDrifted(obj *csv1.ComposeStack, s metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&obj.Status.Conditions, metav1.Condition{
		Type: csv1.ConditionDrifted, Status: s, Reason: reason, Message: truncate(message, 32768), ObservedGeneration: obj.Generation,
	})
}

func readyCondition(obj conditioned) *metav1.Condition {
	return meta.FindStatusCondition(obj.GetConditions(), csv1.ConditionReady)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
