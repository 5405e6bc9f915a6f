package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// progressCompose has several services, so that a create takes a few polls at cfnlocal's resource delay.
const progressCompose = `services:
  web:
    image: nginx:1.27
    ports:
      - "80:80"
  api:
    image: nginx:1.27
  worker:
    image: nginx:1.27
  cache:
    image: redis:7
`

// During a create, status.progress counts up to N/N, the Ready message carries it, and each stack event of
// the create is mirrored as one Event, however many reconciles read it.
func TestCreateShowsProgressAndMirrorsStackEvents(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "progress", progressCompose)
	create(t, obj)

	var seen []string // distinct progress values, in order
	progressMessage := false
	got := &csv1.ComposeStack{}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("not ready; progress went %q; %s", seen, summary(got))
		}
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), got); err != nil {
			t.Fatal(err)
		}
		if p := got.Status.Progress; p != "" && (len(seen) == 0 || seen[len(seen)-1] != p) {
			seen = append(seen, p)
		}
		if c := condition(got, "Ready"); c != nil && c.Reason == csv1.ReasonProgressing &&
			strings.Contains(c.Message, "_IN_PROGRESS (") && strings.HasSuffix(c.Message, " resources)") {
			progressMessage = true
		}
		if readyAt(got) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	var done, total []int
	for _, p := range seen {
		var d, n int
		if _, err := fmt.Sscanf(p, "%d/%d resources", &d, &n); err != nil {
			t.Fatalf("progress %q: %v", p, err)
		}
		done, total = append(done, d), append(total, n)
	}
	n := total[len(total)-1]
	if n < 5 || done[len(done)-1] != n {
		t.Fatalf("progress went %q; want it to end at N/N", seen)
	}
	if len(seen) < 2 || done[0] >= n {
		t.Errorf("progress went %q; want a fraction below N/N during the create", seen)
	}
	for i := range done {
		if total[i] != n || (i > 0 && done[i] < done[i-1]) {
			t.Errorf("progress went %q; want it to count up, out of one total", seen)
		}
	}
	if !progressMessage {
		t.Errorf("no Ready message during the create carried the progress")
	}

	// The stack's own CREATE_COMPLETE is its last event: once mirrored, all are.
	waitEvent(t, got, "Normal", csv1.ReasonStackEvent, "AWS::CloudFormation::Stack "+got.Status.StackName+" CREATE_COMPLETE")
	notes := map[string]int{}
	resources := 0
	for _, e := range events(t, got) {
		if e.Reason != csv1.ReasonStackEvent && e.Reason != csv1.ReasonStackEventFailed {
			continue
		}
		notes[e.Note]++
		if e.Series != nil {
			notes[e.Note] += int(e.Series.Count) - 1
		}
		if strings.HasPrefix(e.Note, "AWS::ECS::Service ") && strings.Contains(e.Note, " CREATE_COMPLETE") {
			resources++
		}
	}
	for note, c := range notes {
		if c > 1 {
			t.Errorf("%d Events for %q", c, note)
		}
	}
	if resources != 4 {
		t.Errorf("%d Events for services created, want 4: %v", resources, notes)
	}
	if m := got.Status.StackEvents; m == nil || int(m.Mirrored) != len(notes) || len(notes) > 201 {
		t.Errorf("status.stackEvents = %+v, with %d Events", m, len(notes))
	}
}

// TestDeleteShowsProgress: while CloudFormation deletes the stack, the progress column counts the resources
// gone, and the stack's delete events are mirrored.
func TestDeleteShowsProgress(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "progress-delete", progressCompose)
	create(t, obj)
	got := waitStack(t, obj, "Ready", readyAt)
	if err := env.Client.Delete(context.Background(), got); err != nil {
		t.Fatal(err)
	}
	var seen []string
	deadline := time.Now().Add(60 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("not deleted; progress went %q", seen)
		}
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), got)
		if apierrors.IsNotFound(err) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p := got.Status.Progress; strings.HasSuffix(p, " deleted") && (len(seen) == 0 || seen[len(seen)-1] != p) {
			seen = append(seen, p)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(seen) == 0 {
		t.Fatal("no progress shown while the stack was deleted")
	}
	var done, total int
	if _, err := fmt.Sscanf(seen[len(seen)-1], "%d/%d resources deleted", &done, &total); err != nil || total < 5 || done == 0 {
		t.Errorf("progress while deleting went %q; want it to count the resources gone", seen)
	}
	waitEvent(t, got, "Normal", csv1.ReasonStackEvent, "DELETE_COMPLETE")
}
