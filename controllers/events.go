package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// event records an Event for obj, Normal or Warning as its reason says.
func (r *ComposeStackReconciler) event(obj *csv1.ComposeStack, reason, action, msg string) {
	recordEvent(r.Recorder, obj, reason, action, msg)
}

// transition records an Event when the Ready reason or message changes.
func (r *ComposeStackReconciler) transition(obj *csv1.ComposeStack, reason, msg string) {
	recordTransition(r.Recorder, obj, reason, msg)
}

// recordEvent records an Event for obj, Normal or Warning as its reason says. Every Event goes through here, so
// a reconciler built without a recorder (in a unit test) records none instead of panicking.
func recordEvent(rec events.EventRecorder, obj conditioned, reason, action, msg string) {
	if rec == nil {
		return
	}
	rec.Eventf(obj, nil, eventType(reason), reason, action, "%s", truncate(msg, 1024))
}

// recordTransition records an Event when the Ready reason or message changes, so Events mark transitions and
// not every requeue.
func recordTransition(rec events.EventRecorder, obj conditioned, reason, msg string) {
	if c := readyCondition(obj); c != nil && c.Reason == reason && withoutProgress(c.Message) == msg && c.ObservedGeneration == obj.GetGeneration() {
		return
	}
	recordEvent(rec, obj, reason, "Reconcile", msg)
}

// eventType is Normal for reasons that report progress, Warning for those that need attention.
func eventType(reason string) string {
	switch reason {
	case csv1.ReasonSucceeded, csv1.ReasonProgressing, csv1.ReasonThrottled, csv1.ReasonSuspended,
		csv1.ReasonDeleting, csv1.ReasonDeleted, csv1.ReasonRetained, csv1.ReasonFileSystemReattached,
		csv1.ReasonOutputsWritten, csv1.ReasonStackEvent, csv1.ReasonNoDrift, csv1.ReasonCorrectingDrift, csv1.ReasonDriftCorrected,
		csv1.ReasonNetworkNotReady:
		return corev1.EventTypeNormal
	}
	return corev1.EventTypeWarning
}
