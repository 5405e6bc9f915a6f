package controllers

import (
	"fmt"
	"reflect"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// apply copies what the driver observed into status and derives the conditions and the requeue from it.
func (r *ComposeStackReconciler) apply(obj *csv1.ComposeStack, res stack.Result, desired *stack.Desired) ctrl.Result {
	st := &obj.Status
	if res.StackID != "" {
		st.StackID = res.StackID
	}
	st.StackStatus = res.StackStatus
	st.StackStatusReason = res.StackStatusReason
	if res.Digest != "" {
		st.LastAttemptedDigest = res.Digest
	}
	st.ChangeSet = nil
	if cs := res.ChangeSet; cs != nil {
		st.ChangeSet = &csv1.ChangeSetStatus{Name: cs.Name, ID: cs.ID, Status: cs.Status, ExecutionStatus: cs.ExecutionStatus, Type: cs.Type}
	}
	if res.Outputs != nil {
		st.Outputs = res.Outputs
		if dns := res.Outputs[loadBalancerOutput]; dns != "" && st.Endpoints != nil {
			st.Endpoints.LoadBalancerDNSName = dns
		}
	}
	if res.Phase == stack.PhaseFailed || len(res.FailedResources) > 0 {
		st.FailedResources = failedResources(res.FailedResources)
	}

	switch res.Phase {
	case stack.PhaseConverged:
		st.LastAppliedDigest = res.Digest
		st.FailedResources = nil
		msg := fmt.Sprintf("stack %s is %s", st.StackName, res.StackStatus)
		r.transition(obj, corev1.EventTypeNormal, csv1.ReasonSucceeded, msg)
		setConditions(obj, phaseReady, metav1.ConditionTrue, csv1.ReasonSucceeded, msg)
		return ctrl.Result{RequeueAfter: desired.ResyncInterval}
	case stack.PhaseFailed:
		msg := failureMessage(st.StackName, res)
		r.transition(obj, corev1.EventTypeWarning, csv1.ReasonStackFailed, msg)
		// A failed stack is retried by the driver after backoff or on a new spec; until then the user is
		// the one who can act, so it is Stalled.
		setConditions(obj, phaseStalled, metav1.ConditionFalse, csv1.ReasonStackFailed, msg)
		return ctrl.Result{RequeueAfter: res.RequeueAfter}
	default:
		reason := csv1.ReasonProgressing
		if res.Throttled {
			reason = csv1.ReasonThrottled
		}
		msg := describe(res)
		r.transition(obj, corev1.EventTypeNormal, reason, msg)
		setConditions(obj, phaseProgressing, metav1.ConditionFalse, reason, msg)
		return ctrl.Result{RequeueAfter: res.RequeueAfter}
	}
}

// failureMessage names the root cause: the first resource that failed, not the cascade after it.
func failureMessage(name string, res stack.Result) string {
	msg := fmt.Sprintf("stack %s is %s", name, res.StackStatus)
	if len(res.FailedResources) > 0 {
		f := res.FailedResources[0]
		msg += fmt.Sprintf(": %s (%s) %s: %s", f.LogicalID, f.Type, f.Status, f.Reason)
	} else if res.StackStatusReason != "" {
		msg += ": " + res.StackStatusReason
	}
	if res.Message != "" {
		msg += "; " + res.Message
	}
	return msg
}

// transition records an Event when the Ready reason or message changes, so Events mark transitions and
// not every requeue.
func (r *ComposeStackReconciler) transition(obj *csv1.ComposeStack, eventtype, reason, msg string) {
	if c := readyCondition(obj); c != nil && c.Reason == reason && c.Message == msg && c.ObservedGeneration == obj.Generation {
		return
	}
	if r.Recorder != nil {
		r.Recorder.Eventf(obj, nil, eventtype, reason, "Reconcile", "%s", truncate(msg, 1024))
	}
}

func eventType(reason string) string {
	switch reason {
	case csv1.ReasonSucceeded, csv1.ReasonProgressing, csv1.ReasonDeleting, csv1.ReasonSuspended:
		return corev1.EventTypeNormal
	}
	return corev1.EventTypeWarning
}

func equalStatus(a, b *csv1.ComposeStackStatus) bool { return reflect.DeepEqual(a, b) }

// tracker keeps what the metrics need across reconciles: each stack's status, and when each generation
// started converging.
type tracker struct {
	mu       sync.Mutex
	statuses map[types.NamespacedName]string
	started  map[types.NamespacedName]genStart
}

type genStart struct {
	generation int64
	at         time.Time
}

func newTracker() *tracker {
	return &tracker{statuses: map[types.NamespacedName]string{}, started: map[types.NamespacedName]genStart{}}
}

// observe updates the stacks-by-status gauge and, when a generation becomes Ready, the time-to-Ready
// histogram.
func (t *tracker) observe(obj *csv1.ComposeStack, now time.Time) {
	if t == nil {
		return
	}
	key := types.NamespacedName{Namespace: obj.Namespace, Name: obj.Name}
	t.mu.Lock()
	defer t.mu.Unlock()
	status := obj.Status.StackStatus
	if status == "" {
		status = "NONE"
	}
	t.statuses[key] = status
	t.publish()

	ready := readyCondition(obj)
	isReady := ready != nil && ready.Status == metav1.ConditionTrue && ready.ObservedGeneration == obj.Generation
	s, ok := t.started[key]
	switch {
	case !ok || s.generation != obj.Generation:
		if !isReady {
			t.started[key] = genStart{generation: obj.Generation, at: now}
		}
	case isReady:
		timeToReady.Observe(now.Sub(s.at).Seconds())
		delete(t.started, key)
	}
}

func (t *tracker) forget(key types.NamespacedName) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.statuses, key)
	delete(t.started, key)
	t.publish()
}

// publish recomputes the gauge from the statuses; callers hold the lock.
func (t *tracker) publish() {
	counts := map[string]float64{}
	for _, s := range t.statuses {
		counts[s]++
	}
	stacksByStatus.Reset()
	for s, n := range counts {
		stacksByStatus.WithLabelValues(s).Set(n)
	}
}
