package controllers

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// apply copies what the driver observed into status and derives the conditions and the next look from it.
func (r *ComposeStackReconciler) apply(obj *csv1.ComposeStack, res stack.Result, want *rendered) step {
	st := &obj.Status
	if res.StackID != "" {
		st.StackID = res.StackID
	}
	st.StackStatus = res.StackStatus
	st.StackStatusReason = res.StackStatusReason
	if res.Action == stack.ActionCreateStack || res.Action == stack.ActionExecuteChangeSet {
		st.LastAttemptedDigest = res.Digest
	}
	st.ChangeSet = nil
	if cs := res.ChangeSet; cs != nil {
		st.ChangeSet = &csv1.ChangeSetStatus{Name: cs.Name, ID: cs.ID, Status: cs.Status, ExecutionStatus: cs.ExecutionStatus, Type: cs.Type}
	}
	if res.Outputs != nil {
		st.Outputs = res.Outputs
	}
	if res.Phase == stack.PhaseFailed || len(res.FailedResources) > 0 {
		st.FailedResources = failedResources(res.FailedResources)
	}
	r.applyProgress(obj, res.Progress)

	switch res.Phase {
	case stack.PhaseConverged:
		st.LastAppliedDigest = res.Digest
		st.FailedResources = nil
		// Only now does the stack have this template: until then (in progress, failed, rolled back) the
		// endpoints stay those of the template it had, so they never show a port that was not deployed.
		st.Endpoints = endpoints(want.listeners, res.Outputs[loadBalancerOutput])
		if !slices.Equal(st.ReattachedFileSystems, want.reattached) {
			for _, fs := range want.reattached {
				if !slices.Contains(st.ReattachedFileSystems, fs) {
					r.event(obj, csv1.ReasonFileSystemReattached, "Reconcile", fmt.Sprintf(
						"volume %s mounts file system %s, which an earlier stack of project %s retained", fs.Volume, fs.FileSystemID, obj.ProjectName()))
				}
			}
			st.ReattachedFileSystems = want.reattached
		}
		msg := fmt.Sprintf("stack %s is %s", st.StackName, res.StackStatus)
		r.transition(obj, csv1.ReasonSucceeded, msg)
		setConditions(obj, phaseReady, metav1.ConditionTrue, csv1.ReasonSucceeded, msg)
		return step{action: res.Action, requeue: resync(want.stack.ResyncInterval)}
	case stack.PhaseFailed:
		msg := failureMessage(st.StackName, res)
		r.transition(obj, csv1.ReasonStackFailed, msg)
		// A failed stack is retried by the driver after backoff or on a new spec; until then the user is
		// the one who can act, so it is Stalled.
		setConditions(obj, phaseStalled, metav1.ConditionFalse, csv1.ReasonStackFailed, msg)
		return step{action: res.Action, requeue: res.RequeueAfter}
	default:
		reason := csv1.ReasonProgressing
		if res.Throttled {
			reason = csv1.ReasonThrottled
		}
		msg := describe(res)
		r.transition(obj, reason, msg)
		if res.Progress != nil && res.Progress.Running {
			msg = withProgress(msg, st.Progress)
		}
		setConditions(obj, phaseProgressing, metav1.ConditionFalse, reason, msg)
		return step{action: res.Action, requeue: res.RequeueAfter}
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

func describe(res stack.Result) string {
	if res.Message != "" {
		return res.Message
	}
	return fmt.Sprintf("stack %s", res.StackStatus)
}

// loadBalancerOutput is the output key holding the load balancer's DNS name.
const loadBalancerOutput = "LoadBalancerDNSName"

// endpoints are the listeners of a deployed template and the DNS name of its load balancer; nil without
// listeners.
func endpoints(listeners []csv1.Listener, dnsName string) *csv1.Endpoints {
	if len(listeners) == 0 {
		return nil
	}
	return &csv1.Endpoints{LoadBalancerDNSName: dnsName, Listeners: listeners}
}

func failedResources(in []stack.FailedResource) []csv1.FailedResource {
	if len(in) == 0 {
		return nil
	}
	out := make([]csv1.FailedResource, 0, len(in))
	for _, f := range in {
		out = append(out, csv1.FailedResource{LogicalID: f.LogicalID, Type: f.Type, Status: f.Status, Reason: f.Reason})
	}
	return out
}

// equalStatus says whether a patch would change nothing. Semantic equality counts a nil and an empty list
// or map as equal, as their JSON (omitempty) is.
func equalStatus(a, b *csv1.ComposeStackStatus) bool { return equality.Semantic.DeepEqual(a, b) }
