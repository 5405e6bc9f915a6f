package controllers

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

func TestBoundStatus(t *testing.T) {
	long := strings.Repeat("é", 100_000)
	st := csv1.ComposeStackStatus{
		StackStatusReason: long,
		Conditions:        []metav1.Condition{{Type: "Ready", Message: long}},
		Endpoints:         &csv1.Endpoints{},
		Outputs:           map[string]string{},
	}
	for i := range 65535 {
		st.Warnings = append(st.Warnings, fmt.Sprintf("services.s.ports[%d]: %s", i, long[:200]))
		st.Endpoints.Listeners = append(st.Endpoints.Listeners, csv1.Listener{Service: "s", Port: int32(i), Protocol: "TCP"})
		st.FailedResources = append(st.FailedResources, csv1.FailedResource{LogicalID: "R", Reason: long[:4000]})
	}
	for i := range 1000 {
		st.Outputs[fmt.Sprintf("O%04d", i)] = long
	}
	st.Drift = &csv1.DriftStatus{Message: long}
	for i := range 1000 {
		r := csv1.DriftedResource{LogicalID: fmt.Sprintf("R%d", i), Status: "MODIFIED"}
		for range 100 {
			r.Differences = append(r.Differences, csv1.PropertyDifference{Path: long[:3000], Expected: long, Actual: long, Type: "NOT_EQUAL"})
		}
		st.Drift.Resources = append(st.Drift.Resources, r)
	}
	boundStatus(&st)
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	// Far below etcd's 1.5 MB, with room for the spec.
	if len(b) > 800_000 {
		t.Fatalf("bounded status is %d bytes of JSON", len(b))
	}
	if got := len(st.Warnings); got != maxStatusWarnings || !strings.Contains(st.Warnings[got-1], "65486 more warnings") {
		t.Errorf("warnings: %d, last %q", got, st.Warnings[got-1])
	}
	if len(st.Endpoints.Listeners) != maxStatusListeners || len(st.FailedResources) != maxStatusFailedResources || len(st.Outputs) != maxStatusOutputs {
		t.Errorf("lists not capped: %d listeners, %d failed resources, %d outputs", len(st.Endpoints.Listeners), len(st.FailedResources), len(st.Outputs))
	}
	if d := st.Drift; len(d.Resources) != maxStatusDriftedResources || len(d.Resources[0].Differences) != maxStatusDriftDifferences ||
		d.Resources[0].MoreDifferences != 100-maxStatusDriftDifferences || len(d.Resources[0].Differences[0].Actual) > maxStatusDriftValue ||
		!utf8.ValidString(d.Resources[0].Differences[0].Expected) {
		t.Errorf("drift report not bounded: %d resources, %d differences (%d more), values of %d bytes",
			len(d.Resources), len(d.Resources[0].Differences), d.Resources[0].MoreDifferences, len(d.Resources[0].Differences[0].Actual))
	}
	if _, ok := st.Outputs["O0000"]; !ok {
		t.Error("the first outputs by key were not kept")
	}
	if m := st.Conditions[0].Message; len(m) > maxStatusText || !strings.HasSuffix(m, "[...]") || !utf8.ValidString(m) {
		t.Errorf("condition message not clipped on a rune boundary: %d bytes", len(m))
	}
}
