package controllers

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// TestTrackerCountsMoves checks the stacks-by-status gauge as stacks change status and go away. The statuses
// are made up, so that stacks of other tests in this binary do not count.
func TestTrackerCountsMoves(t *testing.T) {
	tr := newTracker()
	stackIn := func(name, status string) *csv1.ComposeStack {
		o := &csv1.ComposeStack{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
		o.Status.StackStatus = status
		return o
	}
	count := func(status string) float64 { return testutil.ToFloat64(stacksByStatus.WithLabelValues(status)) }
	now := time.Now()

	tr.observe(stackIn("a", "TEST_ONE"), now)
	tr.observe(stackIn("b", "TEST_ONE"), now)
	tr.observe(stackIn("b", "TEST_ONE"), now) // unchanged: counted once
	if got := count("TEST_ONE"); got != 2 {
		t.Fatalf("TEST_ONE = %v; want 2", got)
	}
	tr.observe(stackIn("b", "TEST_TWO"), now)
	if one, two := count("TEST_ONE"), count("TEST_TWO"); one != 1 || two != 1 {
		t.Fatalf("TEST_ONE = %v, TEST_TWO = %v after a move; want 1 and 1", one, two)
	}
	tr.forget(types.NamespacedName{Namespace: "ns", Name: "a"})
	tr.forget(types.NamespacedName{Namespace: "ns", Name: "a"}) // forgotten twice: no double count
	if got := count("TEST_ONE"); got != 0 {
		t.Fatalf("TEST_ONE = %v after its stack went; want 0", got)
	}
}
