package controllers

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/network"
	"github.com/composestack/composestack/internal/stack"
)

// apply copies what the driver observed into the network's status and derives the conditions and the next look
// from it. The exports and the VPC are published once the stack has converged, when they exist in
// CloudFormation, and are kept through later updates, which keep the export names.
func (r *ComposeNetworkReconciler) apply(obj *csv1.ComposeNetwork, res stack.Result, interval time.Duration) step {
	st := &obj.Status
	if res.StackID != "" {
		st.StackID = res.StackID
	}
	st.StackStatus = res.StackStatus
	if res.Phase == stack.PhaseFailed || len(res.FailedResources) > 0 {
		st.FailedResources = failedResources(res.FailedResources)
	}
	mirrorProgress(r.Recorder, obj, &st.Progress, &st.StackEvents, res.Progress)
	switch res.Phase {
	case stack.PhaseConverged:
		st.LastAppliedDigest = res.Digest
		st.FailedResources = nil
		exports := network.ExportNames(st.StackName, obj.ZoneCount())
		st.Exports = &exports
		st.VPCID = res.Outputs[network.OutputVPC]
		msg := fmt.Sprintf("stack %s is %s", st.StackName, res.StackStatus)
		if st.VPCID != "" {
			msg += "; VPC " + st.VPCID
		}
		recordTransition(r.Recorder, obj, csv1.ReasonSucceeded, msg)
		setConditions(obj, phaseReady, metav1.ConditionTrue, csv1.ReasonSucceeded, msg)
		return step{action: res.Action, requeue: resync(interval)}
	case stack.PhaseFailed:
		msg := failureMessage(st.StackName, res)
		recordTransition(r.Recorder, obj, csv1.ReasonStackFailed, msg)
		setConditions(obj, phaseStalled, metav1.ConditionFalse, csv1.ReasonStackFailed, msg)
		return step{action: res.Action, requeue: res.RequeueAfter}
	default:
		reason := csv1.ReasonProgressing
		if res.Throttled {
			reason = csv1.ReasonThrottled
		}
		msg := describe(res)
		recordTransition(r.Recorder, obj, reason, msg)
		if res.Progress != nil && res.Progress.Running {
			msg = withProgress(msg, st.Progress)
		}
		setConditions(obj, phaseProgressing, metav1.ConditionFalse, reason, msg)
		return step{action: res.Action, requeue: res.RequeueAfter}
	}
}

// maxUsedBy is the API's bound on status.usedBy.
const maxUsedBy = 100

// setUsers records the ComposeStacks that refer to the network: status.usedBy, and the InUse condition while
// there are any.
func setUsers(obj *csv1.ComposeNetwork, users []string) {
	obj.Status.UsedBy = slices.Clone(users[:min(len(users), maxUsedBy)])
	if len(users) == 0 {
		meta.RemoveStatusCondition(&obj.Status.Conditions, csv1.ConditionInUse)
		return
	}
	meta.SetStatusCondition(&obj.Status.Conditions, metav1.Condition{
		Type: csv1.ConditionInUse, Status: metav1.ConditionTrue, Reason: csv1.ReasonNetworkInUse,
		Message: "in use by " + usersPhrase(users), ObservedGeneration: obj.Generation,
	})
}

// usersNamed is how many users a message names before it counts the rest.
const usersNamed = 10

// usersPhrase names the ComposeStacks in users, as in "ComposeStacks a, b and 3 more".
func usersPhrase(users []string) string {
	kind := "ComposeStack "
	if len(users) > 1 {
		kind = "ComposeStacks "
	}
	named := users[:min(len(users), usersNamed)]
	switch rest := len(users) - len(named); {
	case rest > 0:
		return kind + strings.Join(named, ", ") + fmt.Sprintf(" and %d more", rest)
	case len(named) > 1:
		return kind + strings.Join(named[:len(named)-1], ", ") + " and " + named[len(named)-1]
	}
	return kind + named[0]
}

// equalNetworkStatus says whether a patch would change nothing.
func equalNetworkStatus(a, b *csv1.ComposeNetworkStatus) bool {
	return equality.Semantic.DeepEqual(a, b)
}
