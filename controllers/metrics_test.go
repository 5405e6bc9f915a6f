package controllers_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// TestMetrics checks the controller's own metrics after a stack has gone to Ready.
func TestMetrics(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "metered", webCompose)
	create(t, obj)
	waitStack(t, obj, "Ready", readyAt)

	if n := testutil.ToFloat64(calls.WithLabelValues("CloudFormation", "CreateStack", "ok")); n < 1 {
		t.Fatalf("CreateStack calls counted: %v", n)
	}
	families, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range families {
		switch f.GetName() {
		case "composestack_time_to_ready_seconds":
			found[f.GetName()] = f.GetMetric()[0].GetHistogram().GetSampleCount() > 0
		case "composestack_stacks":
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "stack_status" && l.GetValue() == "CREATE_COMPLETE" && m.GetGauge().GetValue() >= 1 {
						found[f.GetName()] = true
					}
				}
			}
		}
	}
	for _, name := range []string{"composestack_time_to_ready_seconds", "composestack_stacks"} {
		if !found[name] {
			t.Errorf("metric %s missing or empty", name)
		}
	}
}
