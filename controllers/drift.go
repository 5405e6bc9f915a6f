package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// Drift detection runs beside the stack's convergence, never inside a stack operation: a check starts only on
// a converged stack, its detection ID is kept in status.drift while CloudFormation works, and later reconciles
// read it. A correction is a Sync with Desired.RevertDrift, so it goes through the one change set path.

// driftRetry is when a drift check that failed with an AWS error is tried again. A failed check never
// touches Ready: the stack itself is fine.
const driftRetry = time.Minute

// revertDrift is the detection whose drift the next Sync corrects, or "".
func revertDrift(obj *csv1.ComposeStack) string {
	d := obj.Status.Drift
	if obj.Spec.Drift == nil || obj.Spec.Drift.Mode != csv1.DriftCorrect || d == nil || d.Correction == nil ||
		d.Correction.State != csv1.CorrectionInProgress {
		return ""
	}
	return d.Correction.DetectionID
}

// reconcileDrift takes drift detection one step after a Sync and returns when to look again: requeue, or
// sooner if a check is due or running.
func (r *ComposeStackReconciler) reconcileDrift(ctx context.Context, obj *csv1.ComposeStack, sc StackClient, res stack.Result, requeue time.Duration) time.Duration {
	if obj.Spec.Drift == nil {
		obj.Status.Drift = nil
		meta.RemoveStatusCondition(&obj.Status.Conditions, csv1.ConditionDrifted)
		return requeue
	}
	if obj.Status.Drift == nil {
		obj.Status.Drift = &csv1.DriftStatus{}
	}
	if revertDrift(obj) != "" {
		r.correctionStep(obj, res)
	}
	if res.Phase != stack.PhaseConverged {
		// A detection that overlaps an operation reads resources in motion: it is dropped, and the next check
		// comes when due once the stack has converged.
		obj.Status.Drift.DetectionID = ""
		return requeue
	}
	next, err := r.checkDrift(ctx, obj, sc)
	if err != nil {
		log.FromContext(ctx).Error(err, "drift check")
		obj.Status.Drift.Message = err.Error()
		next = driftRetry
	}
	if next > 0 && (requeue <= 0 || next < requeue) {
		return next
	}
	return requeue
}

// correctionStep records how the correcting update went: over once the driver says so, failed if
// CloudFormation rolled it back.
func (r *ComposeStackReconciler) correctionStep(obj *csv1.ComposeStack, res stack.Result) {
	d := obj.Status.Drift
	c := d.Correction
	switch {
	case res.DriftReverted:
		c.State, c.FinishedAt = csv1.CorrectionSucceeded, r.now()
		// The next check confirms what the update did, without correcting again, and comes at once.
		d.Verify, d.LastChecked = true, nil
		r.event(obj, csv1.ReasonDriftCorrected, "CorrectDrift", fmt.Sprintf("reverted the drift of %s; checking again", strings.Join(c.Resources, ", ")))
	case res.StackStatus == "UPDATE_ROLLBACK_COMPLETE" || res.StackStatus == "UPDATE_ROLLBACK_FAILED":
		c.State, c.FinishedAt = csv1.CorrectionFailed, r.now()
		msg := fmt.Sprintf("the update correcting the drift of %s failed and CloudFormation rolled it back; the stack's events say why", strings.Join(c.Resources, ", "))
		setDrifted(obj, metav1.ConditionTrue, csv1.ReasonDriftCorrectionFailed, msg)
		r.event(obj, csv1.ReasonDriftCorrectionFailed, "CorrectDrift", msg)
	}
}

// checkDrift starts a check when one is due, or reads the one running.
func (r *ComposeStackReconciler) checkDrift(ctx context.Context, obj *csv1.ComposeStack, sc StackClient) (time.Duration, error) {
	d := obj.Status.Drift
	name := obj.Status.StackName
	if d.DetectionID != "" {
		rep, err := sc.DriftResult(ctx, name, d.DetectionID)
		if err != nil {
			return 0, err
		}
		if !rep.Done {
			return rep.RequeueAfter, nil
		}
		r.recordDrift(obj, rep)
		if revertDrift(obj) != "" {
			// The correction's Sync comes next.
			return time.Second, nil
		}
		return resync(obj.Spec.Drift.Interval.Duration), nil
	}
	if wait := r.driftDue(obj); wait > 0 {
		return wait, nil
	}
	rep, err := sc.DetectDrift(ctx, name)
	if err != nil {
		return 0, err
	}
	if rep.DetectionID != "" {
		d.DetectionID = rep.DetectionID
		d.LastRequest = obj.Annotations[csv1.AnnotationDetectDrift]
	}
	return rep.RequeueAfter, nil
}

// driftDue says how long until the next check: 0 when one is due now (none yet, the interval passed since the
// last, a correction to confirm, or a new request by annotation).
func (r *ComposeStackReconciler) driftDue(obj *csv1.ComposeStack) time.Duration {
	d := obj.Status.Drift
	if d.LastChecked == nil || d.Verify || obj.Annotations[csv1.AnnotationDetectDrift] != d.LastRequest {
		return 0
	}
	left := d.LastChecked.Add(obj.Spec.Drift.Interval.Duration).Sub(r.Now())
	if left <= 0 {
		return 0
	}
	return resync(left)
}

// recordDrift writes what a finished detection found, sets the Drifted condition, records an Event when the
// drift is new, and starts a correction when asked.
func (r *ComposeStackReconciler) recordDrift(obj *csv1.ComposeStack, rep stack.DriftReport) {
	d := obj.Status.Drift
	verify := d.Verify
	before := driftedIDs(d.Resources)
	d.DetectionID, d.Verify, d.LastChecked, d.Message = "", false, r.now(), ""
	if rep.Failed {
		d.StackDriftStatus, d.Message = "DETECTION_FAILED", rep.Reason
		msg := "CloudFormation could not finish the drift detection: " + rep.Reason
		setDrifted(obj, metav1.ConditionUnknown, csv1.ReasonDriftDetectionFailed, msg)
		r.event(obj, csv1.ReasonDriftDetectionFailed, "DetectDrift", msg)
		return
	}
	d.StackDriftStatus = rep.StackDriftStatus
	d.DriftedResourceCount = int32(rep.Drifted)
	d.Resources = driftedResources(rep.Resources)
	if len(d.Resources) == 0 {
		setDrifted(obj, metav1.ConditionFalse, csv1.ReasonNoDrift, "no resource of stack "+obj.Status.StackName+" differs from the template")
		return
	}
	msg := driftMessage(obj.Status.StackName, d)
	setDrifted(obj, metav1.ConditionTrue, csv1.ReasonStackDrifted, msg)
	if !slices.Equal(before, driftedIDs(d.Resources)) {
		r.event(obj, csv1.ReasonStackDrifted, "DetectDrift", msg)
	}
	if obj.Spec.Drift.Mode != csv1.DriftCorrect || verify {
		// Drift that outlived a correction is reported, and left until the next interval's check.
		return
	}
	var fix []string
	for _, res := range rep.Resources {
		if res.Revertible() {
			fix = append(fix, res.LogicalID)
		}
	}
	if len(fix) == 0 {
		return
	}
	d.Correction = &csv1.DriftCorrection{DetectionID: rep.DetectionID, State: csv1.CorrectionInProgress, Resources: fix, StartedAt: *r.now()}
	msg = fmt.Sprintf("correcting the drift of %s with a drift-aware change set", strings.Join(fix, ", "))
	setDrifted(obj, metav1.ConditionTrue, csv1.ReasonCorrectingDrift, msg)
	r.event(obj, csv1.ReasonCorrectingDrift, "CorrectDrift", msg)
}

// driftMessage names the drifted resources and what drifted in each, as far as a condition message holds.
func driftMessage(stackName string, d *csv1.DriftStatus) string {
	parts := make([]string, 0, len(d.Resources))
	for _, res := range d.Resources {
		s := res.LogicalID + " (" + res.Type + ") " + res.Status
		if len(res.Differences) > 0 {
			paths := make([]string, 0, len(res.Differences))
			for _, p := range res.Differences {
				paths = append(paths, p.Path)
			}
			s += ": " + strings.Join(paths, ", ")
		}
		parts = append(parts, s)
	}
	msg := fmt.Sprintf("%d resources of stack %s differ from the template: %s", d.DriftedResourceCount, stackName, strings.Join(parts, "; "))
	if d.DriftedResourceCount == 1 {
		msg = fmt.Sprintf("1 resource of stack %s differs from the template: %s", stackName, parts[0])
	}
	return msg
}

func driftedIDs(rs []csv1.DriftedResource) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.LogicalID+" "+r.Status)
	}
	return out
}

func driftedResources(in []stack.DriftedResource) []csv1.DriftedResource {
	if len(in) == 0 {
		return nil
	}
	out := make([]csv1.DriftedResource, 0, len(in))
	for _, r := range in {
		x := csv1.DriftedResource{LogicalID: r.LogicalID, Type: r.Type, Status: r.Status, MoreDifferences: int32(r.MoreDifferences)}
		for _, p := range r.Differences {
			x.Differences = append(x.Differences, csv1.PropertyDifference{Path: p.Path, Expected: p.Expected, Actual: p.Actual, Type: p.Type})
		}
		out = append(out, x)
	}
	return out
}

func (r *ComposeStackReconciler) now() *metav1.Time {
	t := metav1.NewTime(r.Now())
	return &t
}
