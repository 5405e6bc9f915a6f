package controllers

import (
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// stalledError is a failure that only the user can fix: the reconciler reports it as Stalled and does not
// retry until the spec or a referenced object changes.
type stalledError struct {
	reason  string
	message string
}

func (e *stalledError) Error() string { return e.message }

func stalled(reason, format string, args ...any) error {
	return &stalledError{reason: reason, message: fmt.Sprintf(format, args...)}
}

func asStalled(err error) (*stalledError, bool) {
	var s *stalledError
	ok := errors.As(err, &s)
	return s, ok
}

// waitingError is something the stack depends on that is not there yet, such as the ComposeNetwork that
// spec.network.networkRef names: the reconciler reports it as Reconciling and is brought back by a watch on it,
// or at the latest after spec.interval.
type waitingError struct {
	reason  string
	message string
}

func (e *waitingError) Error() string { return e.message }

// networkNotReady is the waitingError of a ComposeStack whose ComposeNetwork is not ready for it.
func networkNotReady(format string, args ...any) error {
	return &waitingError{reason: csv1.ReasonNetworkNotReady, message: fmt.Sprintf(format, args...)}
}

// fail is where a ComposeStack's errors become results (failure).
func (r *ComposeStackReconciler) fail(obj *csv1.ComposeStack, err error) (step, error) {
	return failure(r.Recorder, obj, obj.Interval(), err)
}

// failure is where errors become results: Stalled when the user must act, Reconciling while waiting on
// something else, otherwise Reconciling with the error, returned so that controller-runtime backs off.
//
// A stall caused by the spec or its inputs is returned as a reconcile.TerminalError: controller-runtime logs
// it and counts it in its terminal-error metric but does not retry, and the watches on the object and its
// inputs bring the stack back when they change. A stall caused by the AWS account (a VPC or load balancer that
// does not exist, a stack someone else owns) can be fixed outside the cluster, so it must be looked at again
// every interval; controller-runtime ignores RequeueAfter whenever an error is returned, so that stall is
// returned as no error and a requeue, and the reconcile's log line reports it.
func failure(rec events.EventRecorder, obj conditioned, interval time.Duration, err error) (step, error) {
	if s, ok := asStalled(err); ok {
		recordTransition(rec, obj, s.reason, s.message)
		setConditions(obj, phaseStalled, metav1.ConditionFalse, s.reason, s.message)
		return step{action: stack.ActionNone}, reconcile.TerminalError(err)
	}
	var w *waitingError
	if errors.As(err, &w) {
		recordTransition(rec, obj, w.reason, w.message)
		setConditions(obj, phaseProgressing, metav1.ConditionFalse, w.reason, w.message)
		return step{action: stack.ActionNone, requeue: resync(interval)}, nil
	}
	var t *stack.TerminalError
	if errors.As(err, &t) {
		recordTransition(rec, obj, t.Reason, t.Error())
		setConditions(obj, phaseStalled, metav1.ConditionFalse, t.Reason, t.Error())
		return step{action: stack.ActionNone, requeue: resync(interval)}, nil
	}
	setConditions(obj, phaseRetrying, metav1.ConditionFalse, csv1.ReasonAWSError, err.Error())
	return step{action: stack.ActionNone}, err
}
