package controllers

import (
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// TestFailMapsErrorsToResults checks the one place where errors become results: a spec stall is terminal
// and never requeued, an AWS-side stall is no error and comes back after about spec.interval, anything else
// is returned for backoff. The reconciler has no recorder, so this also checks that Events are nil-safe.
func TestFailMapsErrorsToResults(t *testing.T) {
	const interval = 10 * time.Minute
	cases := []struct {
		name        string
		err         error
		terminal    bool
		returned    bool
		requeue     bool
		condition   string
		readyReason string
	}{
		{"spec stall", stalled(csv1.ReasonInvalidCompose, "spec.compose: bad"),
			true, true, false, csv1.ConditionStalled, csv1.ReasonInvalidCompose},
		{"AWS-side stall", &stack.TerminalError{Reason: csv1.ReasonNetworkNotFound, Message: "no such VPC"},
			false, false, true, csv1.ConditionStalled, csv1.ReasonNetworkNotFound},
		{"transient", errors.New("connection reset"),
			false, true, false, csv1.ConditionReconciling, csv1.ReasonAWSError},
		{"waiting on a network", networkNotReady("spec.network.networkRef: waiting"),
			false, false, true, csv1.ConditionReconciling, csv1.ReasonNetworkNotReady},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj := &csv1.ComposeStack{Spec: csv1.ComposeStackSpec{Interval: &metav1.Duration{Duration: interval}}}
			s, err := (&ComposeStackReconciler{}).fail(obj, c.err)
			if (err != nil) != c.returned || errors.Is(err, reconcile.TerminalError(nil)) != c.terminal {
				t.Errorf("error = %v; want returned %v, terminal %v", err, c.returned, c.terminal)
			}
			if c.requeue != (s.requeue > 0) || s.requeue > 0 && (s.requeue < interval || s.requeue > interval+interval/10) {
				t.Errorf("requeue = %v; want requeue %v, within a tenth after %v", s.requeue, c.requeue, interval)
			}
			if cond := readyCondition(obj); cond == nil || cond.Reason != c.readyReason {
				t.Errorf("Ready = %+v; want reason %s", cond, c.readyReason)
			}
			if cond := meta.FindStatusCondition(obj.Status.Conditions, c.condition); cond == nil || cond.Status != metav1.ConditionTrue {
				t.Errorf("%s = %+v; want True", c.condition, cond)
			}
		})
	}
}

func TestResyncIsJittered(t *testing.T) {
	const d = time.Minute
	seen := map[time.Duration]bool{}
	for range 100 {
		got := resync(d)
		if got < d || got > d+d/10 {
			t.Fatalf("resync(%v) = %v; want within a tenth after it", d, got)
		}
		seen[got] = true
	}
	if len(seen) < 2 {
		t.Errorf("resync(%v) gave the same value 100 times: not jittered", d)
	}
}
