package controllers_test

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/cfnlocal"
)

// TestReconcileTimeBudget hangs CloudFormation calls past the reconcile's time budget: the reconcile is cut off,
// its status says so (written although its context is spent), and once the calls answer again the stack
// converges. Every DescribeStacks, the first call of every reconcile's stack step, hangs until the status has
// been seen, so the retries cannot move the status on before the test reads it.
func TestReconcileTimeBudget(t *testing.T) {
	if err := cfn.AddAPIFault(cfnlocal.APIFault{
		Operation: "DescribeStacks", Kind: cfnlocal.FaultLatency, Latency: cfnlocal.Duration(3 * reconcileBudget),
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cfn.ClearFaults)
	ns := newNamespace(t)
	obj := newStack(ns, "slow", webCompose)
	start := time.Now()
	create(t, obj)

	waitStack(t, obj, "the reconcile cut off by its budget", func(o *csv1.ComposeStack) bool {
		c := condition(o, csv1.ConditionReady)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == csv1.ReasonAWSError &&
			strings.Contains(c.Message, "deadline exceeded")
	})
	if waited := time.Since(start); waited < reconcileBudget {
		t.Errorf("the reconcile was reported cut off after %v, before its %v budget", waited, reconcileBudget)
	}
	cfn.ClearFaults()
	waitStack(t, obj, "Ready after the budget ran out once", readyAt)
}
