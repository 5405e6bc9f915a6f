package controllers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// TestLogReconcileSaysWhatItDid checks the one line a reconcile logs: its action, the stack status, Ready
// and the requeue, and the error when there is one.
func TestLogReconcileSaysWhatItDid(t *testing.T) {
	var buf bytes.Buffer
	ctx := log.IntoContext(context.Background(), zap.New(zap.WriteTo(&buf), zap.UseDevMode(false)))
	obj := &csv1.ComposeStack{}
	obj.Status.StackStatus = "UPDATE_IN_PROGRESS"
	setConditions(obj, phaseProgressing, "", csv1.ReasonProgressing, "updating")

	logReconcile(ctx, obj, obj.Status.StackStatus, step{action: stack.ActionExecuteChangeSet}, ctrl.Result{RequeueAfter: 10 * time.Second}, nil)
	logReconcile(ctx, obj, obj.Status.StackStatus, step{action: stack.ActionNone}, ctrl.Result{}, errors.New("throttled"))

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("logged %d lines; want one per call:\n%s", len(lines), buf.String())
	}
	var first, second map[string]any
	if err := json.Unmarshal(lines[0], &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lines[1], &second); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"action": stack.ActionExecuteChangeSet, "stackStatus": "UPDATE_IN_PROGRESS",
		"ready": "False", "reason": csv1.ReasonProgressing, "requeueAfter": "10s",
	} {
		if first[k] != want {
			t.Errorf("%s = %v; want %v in %s", k, first[k], want, lines[0])
		}
	}
	if _, has := first["error"]; has {
		t.Errorf("a reconcile without error logged one: %s", lines[0])
	}
	if second["error"] != "throttled" {
		t.Errorf("error = %v; want the reconcile's error in %s", second["error"], lines[1])
	}
}
