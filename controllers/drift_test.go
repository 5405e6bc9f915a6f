package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/cfnlocal"
)

// driftedWith says the Drifted condition has status s and reason.
func driftedWith(s metav1.ConditionStatus, reason string) func(*csv1.ComposeStack) bool {
	return func(o *csv1.ComposeStack) bool {
		c := condition(o, csv1.ConditionDrifted)
		return c != nil && c.Status == s && c.Reason == reason
	}
}

// requestDriftCheck asks for a check now, as a user does with kubectl annotate.
func requestDriftCheck(t *testing.T, obj *csv1.ComposeStack, value string) {
	t.Helper()
	update(t, obj, func(o *csv1.ComposeStack) {
		if o.Annotations == nil {
			o.Annotations = map[string]string{}
		}
		o.Annotations[csv1.AnnotationDetectDrift] = value
	})
}

// TestDriftDetectionAndCorrection: a Ready stack is checked at once, a service's desired count changed outside
// CloudFormation shows up in status and the Drifted condition, and in mode Correct a drift-aware update puts it
// back, which the check that follows confirms.
func TestDriftDetectionAndCorrection(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	obj := newStack(ns, "web", webCompose)
	obj.Spec.Drift = &csv1.DriftSpec{Interval: metav1.Duration{Duration: time.Hour}}
	create(t, obj)
	got := waitStack(t, obj, "Ready and checked for drift", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && driftedWith(metav1.ConditionFalse, csv1.ReasonNoDrift)(o)
	})
	if d := got.Status.Drift; d == nil || d.StackDriftStatus != "IN_SYNC" || d.LastChecked == nil || d.DetectionID != "" {
		t.Fatalf("status.drift after the first check: %+v", d)
	}
	name := got.Status.StackName

	if err := cfn.DriftResource(cfnlocal.ResourceDrift{StackName: name, LogicalResourceID: "WebService", Properties: map[string]any{"DesiredCount": 0}}); err != nil {
		t.Fatal(err)
	}
	requestDriftCheck(t, obj, "1")
	got = waitStack(t, obj, "Drifted", driftedWith(metav1.ConditionTrue, csv1.ReasonStackDrifted))
	d := got.Status.Drift
	if d.StackDriftStatus != "DRIFTED" || d.DriftedResourceCount != 1 || len(d.Resources) != 1 || d.LastRequest != "1" {
		t.Fatalf("status.drift: %+v", d)
	}
	want := csv1.DriftedResource{LogicalID: "WebService", Type: "AWS::ECS::Service", Status: "MODIFIED",
		Differences: []csv1.PropertyDifference{{Path: "/DesiredCount", Expected: "1", Actual: "0", Type: "NOT_EQUAL"}}}
	if r := d.Resources[0]; r.LogicalID != want.LogicalID || r.Type != want.Type || r.Status != want.Status || len(r.Differences) != 1 || r.Differences[0] != want.Differences[0] {
		t.Errorf("drifted resource = %+v, want %+v", r, want)
	}
	if msg := condition(got, csv1.ConditionDrifted).Message; !strings.Contains(msg, "WebService (AWS::ECS::Service) MODIFIED: /DesiredCount") {
		t.Errorf("Drifted message = %q", msg)
	}
	if !readyAt(got) {
		t.Errorf("drift made the stack not Ready: %s", summary(got))
	}
	waitEvent(t, obj, corev1.EventTypeWarning, csv1.ReasonStackDrifted, "WebService")
	if st := describeStack(t, name); st.StackStatus != cftypes.StackStatusCreateComplete {
		t.Errorf("mode Detect changed the stack: it is %s", st.StackStatus)
	}

	update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Drift.Mode = csv1.DriftCorrect })
	requestDriftCheck(t, obj, "2")
	waitEvent(t, obj, corev1.EventTypeNormal, csv1.ReasonDriftCorrected, "WebService")
	got = waitStack(t, obj, "drift corrected and confirmed", func(o *csv1.ComposeStack) bool {
		return driftedWith(metav1.ConditionFalse, csv1.ReasonNoDrift)(o) && o.Status.Drift.Correction != nil && !o.Status.Drift.Verify
	})
	if c := got.Status.Drift.Correction; c.State != csv1.CorrectionSucceeded || len(c.Resources) != 1 || c.Resources[0] != "WebService" || c.FinishedAt == nil {
		t.Errorf("correction: %+v", c)
	}
	if !readyAt(got) || len(got.Status.Drift.Resources) != 0 {
		t.Errorf("after the correction: %s, resources %+v", summary(got), got.Status.Drift.Resources)
	}
	// CloudFormation agrees: the service is back to the template.
	out, err := cf.DescribeStackResourceDrifts(ctx, &cloudformation.DescribeStackResourceDriftsInput{
		StackName: aws.String(name), StackResourceDriftStatusFilters: []cftypes.StackResourceDriftStatus{cftypes.StackResourceDriftStatusModified},
	})
	if err != nil || len(out.StackResourceDrifts) != 0 {
		t.Errorf("CloudFormation's last detection: %v drifted, %v", out, err)
	}

	// Without spec.drift, the report and the condition go.
	update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Drift = nil })
	waitStack(t, obj, "no drift report", func(o *csv1.ComposeStack) bool {
		return o.Status.Drift == nil && condition(o, csv1.ConditionDrifted) == nil && readyAt(o)
	})
}

// TestDriftSpecValidation: a check reads every resource, so the API refuses intervals under 5m; the mode is
// one of two.
func TestDriftSpecValidation(t *testing.T) {
	ns := newNamespace(t)
	for _, c := range []struct {
		drift csv1.DriftSpec
		want  string
	}{
		{csv1.DriftSpec{Interval: metav1.Duration{Duration: time.Minute}}, "spec.drift.interval must be at least 5m"},
		{csv1.DriftSpec{Interval: metav1.Duration{Duration: time.Hour}, Mode: "Sometimes"}, `supported values: "Detect", "Correct"`},
	} {
		obj := newStack(ns, "web", webCompose)
		obj.Spec.Drift = &c.drift
		err := env.Client.Create(context.Background(), obj)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("creating with spec.drift %+v: %v; want an error saying %q", c.drift, err, c.want)
		}
	}
}

// TestDriftCorrectionFailed: a correcting update that CloudFormation rolls back is reported, the stack stays
// Ready (it runs the spec), and the drift stays reported.
func TestDriftCorrectionFailed(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "web", webCompose)
	obj.Spec.Drift = &csv1.DriftSpec{Interval: metav1.Duration{Duration: time.Hour}, Mode: csv1.DriftCorrect}
	create(t, obj)
	got := waitStack(t, obj, "Ready and checked for drift", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && driftedWith(metav1.ConditionFalse, csv1.ReasonNoDrift)(o)
	})
	name := got.Status.StackName
	if err := cfn.AddResourceFault(cfnlocal.ResourceFault{StackName: name, LogicalResourceID: "WebService", Operation: "UPDATE", Times: 1, Reason: "service is draining"}); err != nil {
		t.Fatal(err)
	}
	if err := cfn.DriftResource(cfnlocal.ResourceDrift{StackName: name, LogicalResourceID: "WebService", Properties: map[string]any{"DesiredCount": 3}}); err != nil {
		t.Fatal(err)
	}
	requestDriftCheck(t, obj, "1")
	got = waitStack(t, obj, "the correction failed", driftedWith(metav1.ConditionTrue, csv1.ReasonDriftCorrectionFailed))
	if c := got.Status.Drift.Correction; c == nil || c.State != csv1.CorrectionFailed || c.FinishedAt == nil {
		t.Errorf("correction: %+v", c)
	}
	if len(got.Status.Drift.Resources) != 1 || got.Status.Drift.Resources[0].LogicalID != "WebService" {
		t.Errorf("the drift is no longer reported: %+v", got.Status.Drift)
	}
	waitEvent(t, obj, corev1.EventTypeWarning, csv1.ReasonDriftCorrectionFailed, "rolled it back")
	waitStack(t, obj, "Ready in UPDATE_ROLLBACK_COMPLETE", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && o.Status.StackStatus == "UPDATE_ROLLBACK_COMPLETE"
	})
}
