package controllers

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// driftAWS answers the drift calls of StackClient from its fields and counts them.
type driftAWS struct {
	StackClient
	start, result stack.DriftReport
	err           error
	starts, reads int
}

func (f *driftAWS) DetectDrift(context.Context, string) (stack.DriftReport, error) {
	f.starts++
	return f.start, f.err
}

func (f *driftAWS) DriftResult(context.Context, string, string) (stack.DriftReport, error) {
	f.reads++
	return f.result, f.err
}

func driftObject(mode csv1.DriftMode) *csv1.ComposeStack {
	obj := &csv1.ComposeStack{}
	obj.Generation = 1
	obj.Status.StackName = "s"
	obj.Spec.Drift = &csv1.DriftSpec{Interval: metav1.Duration{Duration: time.Hour}, Mode: mode}
	return obj
}

var converged = stack.Result{Phase: stack.PhaseConverged, StackStatus: "UPDATE_COMPLETE"}

func TestDriftDue(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	r := &ComposeStackReconciler{Now: func() time.Time { return now }}
	at := func(d time.Duration) *metav1.Time { t := metav1.NewTime(now.Add(d)); return &t }
	for _, c := range []struct {
		name     string
		status   csv1.DriftStatus
		request  string
		min, max time.Duration
	}{
		{name: "never checked", status: csv1.DriftStatus{}},
		{name: "interval passed", status: csv1.DriftStatus{LastChecked: at(-61 * time.Minute)}},
		{name: "checked 20m ago", status: csv1.DriftStatus{LastChecked: at(-20 * time.Minute)}, min: 40 * time.Minute, max: 44 * time.Minute},
		{name: "a correction to confirm", status: csv1.DriftStatus{LastChecked: at(-time.Minute), Verify: true}},
		{name: "a new request", status: csv1.DriftStatus{LastChecked: at(-time.Minute), LastRequest: "1"}, request: "2"},
		{name: "a request acted on", status: csv1.DriftStatus{LastChecked: at(-time.Minute), LastRequest: "2"}, request: "2", min: 59 * time.Minute, max: 66 * time.Minute},
	} {
		obj := driftObject(csv1.DriftDetect)
		obj.Status.Drift = &c.status
		if c.request != "" {
			obj.Annotations = map[string]string{csv1.AnnotationDetectDrift: c.request}
		}
		if got := r.driftDue(obj); got < c.min || got > c.max {
			t.Errorf("%s: due in %s, want within [%s, %s]", c.name, got, c.min, c.max)
		}
	}
}

func TestReconcileDriftSteps(t *testing.T) {
	r := &ComposeStackReconciler{Now: time.Now}
	ctx := context.Background()
	obj := driftObject(csv1.DriftCorrect)
	aws := &driftAWS{start: stack.DriftReport{DetectionID: "d1", RequeueAfter: 10 * time.Second}}

	// Not converged: no call, and the resync stands.
	if got := r.reconcileDrift(ctx, obj, aws, stack.Result{Phase: stack.PhaseInProgress}, 10*time.Minute); got != 10*time.Minute || aws.starts != 0 {
		t.Fatalf("in progress: requeue %s after %d starts", got, aws.starts)
	}
	// Converged and never checked: a detection starts, and is read after the driver's poll.
	if got := r.reconcileDrift(ctx, obj, aws, converged, 10*time.Minute); got != 10*time.Second || obj.Status.Drift.DetectionID != "d1" {
		t.Fatalf("start: requeue %s, status %+v", got, obj.Status.Drift)
	}
	// An operation starting meanwhile drops it.
	r.reconcileDrift(ctx, obj, aws, stack.Result{Phase: stack.PhaseInProgress}, time.Minute)
	if obj.Status.Drift.DetectionID != "" {
		t.Fatalf("the detection survived an operation: %+v", obj.Status.Drift)
	}
	r.reconcileDrift(ctx, obj, aws, converged, time.Minute)

	// Still running.
	aws.result = stack.DriftReport{DetectionID: "d1", RequeueAfter: 10 * time.Second}
	if got := r.reconcileDrift(ctx, obj, aws, converged, time.Minute); got != 10*time.Second || obj.Status.Drift.LastChecked != nil {
		t.Fatalf("running: requeue %s, status %+v", got, obj.Status.Drift)
	}

	// Done: a deleted resource alone is reported, not corrected.
	aws.result = stack.DriftReport{DetectionID: "d1", Done: true, StackDriftStatus: "DRIFTED", Drifted: 1,
		Resources: []stack.DriftedResource{{LogicalID: "Logs", Type: "AWS::Logs::LogGroup", Status: "DELETED"}}}
	r.reconcileDrift(ctx, obj, aws, converged, time.Minute)
	c := meta.FindStatusCondition(obj.Status.Conditions, csv1.ConditionDrifted)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != csv1.ReasonStackDrifted || obj.Status.Drift.Correction != nil || revertDrift(obj) != "" {
		t.Fatalf("deleted resource: condition %+v, status %+v", c, obj.Status.Drift)
	}

	// A modified one is corrected by the next Sync.
	obj.Status.Drift.LastChecked = nil
	aws.start.DetectionID = "d2"
	r.reconcileDrift(ctx, obj, aws, converged, time.Minute)
	aws.result = stack.DriftReport{DetectionID: "d2", Done: true, StackDriftStatus: "DRIFTED", Drifted: 1,
		Resources: []stack.DriftedResource{{LogicalID: "Web", Type: "AWS::ECS::Service", Status: "MODIFIED",
			Differences: []stack.PropertyDifference{{Path: "/DesiredCount", Expected: "1", Actual: "0", Type: "NOT_EQUAL"}}}}}
	if got := r.reconcileDrift(ctx, obj, aws, converged, time.Minute); got != time.Second || revertDrift(obj) != "d2" {
		t.Fatalf("modified resource: requeue %s, revert %q, status %+v", got, revertDrift(obj), obj.Status.Drift)
	}
	if c := meta.FindStatusCondition(obj.Status.Conditions, csv1.ConditionDrifted); c.Reason != csv1.ReasonCorrectingDrift {
		t.Fatalf("condition while correcting: %+v", c)
	}

	// The Sync reverted it: the check that confirms starts at once, and does not correct again.
	aws.start.DetectionID = "d3"
	r.reconcileDrift(ctx, obj, aws, stack.Result{Phase: stack.PhaseConverged, StackStatus: "UPDATE_COMPLETE", DriftReverted: true}, time.Minute)
	if d := obj.Status.Drift; d.Correction.State != csv1.CorrectionSucceeded || d.DetectionID != "d3" || !d.Verify {
		t.Fatalf("after the revert: %+v", d)
	}
	aws.result.DetectionID = "d3"
	r.reconcileDrift(ctx, obj, aws, converged, time.Minute)
	if d := obj.Status.Drift; d.Verify || d.Correction.DetectionID != "d2" || revertDrift(obj) != "" {
		t.Fatalf("drift left after a correction started another: %+v", d)
	}

	// AWS errors are recorded and retried; Ready is not touched.
	obj.Status.Drift.LastChecked = nil
	aws.err = errors.New("throttled")
	if got := r.reconcileDrift(ctx, obj, aws, converged, time.Hour); got != driftRetry || obj.Status.Drift.Message == "" {
		t.Fatalf("error: requeue %s, status %+v", got, obj.Status.Drift)
	}
	if meta.FindStatusCondition(obj.Status.Conditions, csv1.ConditionReady) != nil {
		t.Fatal("a drift error set Ready")
	}

	// Without spec.drift, the report and the condition go.
	obj.Spec.Drift = nil
	r.reconcileDrift(ctx, obj, aws, converged, time.Hour)
	if obj.Status.Drift != nil || meta.FindStatusCondition(obj.Status.Conditions, csv1.ConditionDrifted) != nil {
		t.Fatalf("spec.drift removed: %+v, %+v", obj.Status.Drift, obj.Status.Conditions)
	}
}
