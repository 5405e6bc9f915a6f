package controllers

import (
	"fmt"
	"strings"

	"k8s.io/client-go/tools/events"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// Stack events are mirrored as Kubernetes Events at most eventsPerReconcile at a time (the rest wait for the
// next poll) and at most eventsPerOperation per operation, plus one Event saying the rest are left out: a
// stack of hundreds of resources must not flood the namespace's Events.
const (
	eventsPerReconcile = 25
	eventsPerOperation = 200
)

// progressSuffix ends the Ready message while an operation runs; withoutProgress takes it off again.
const progressSuffix = " resources)"

// withProgress adds the progress to a Ready message, as in "stack x is CREATE_IN_PROGRESS (23/57 resources)".
func withProgress(msg, progress string) string {
	if progress == "" {
		return msg
	}
	return msg + " (" + progress + ")"
}

// withoutProgress is a Ready message without its progress, so that progress alone is no transition worth an
// Event.
func withoutProgress(msg string) string {
	if i := strings.LastIndex(msg, " ("); i >= 0 && strings.HasSuffix(msg, progressSuffix) {
		return msg[:i]
	}
	return msg
}

// applyProgress records the operation's progress in status and mirrors its stack events that were not
// mirrored yet, oldest first, as Events.
func (r *ComposeStackReconciler) applyProgress(obj *csv1.ComposeStack, p *stack.Progress) {
	mirrorProgress(r.Recorder, obj, &obj.Status.Progress, &obj.Status.StackEvents, p)
}

// mirrorProgress records the progress of obj's stack operation in *progress and mirrors its stack events that
// were not mirrored yet, oldest first, as Events, keeping count in *mirrored.
func mirrorProgress(rec events.EventRecorder, obj conditioned, progress *string, mirrored **csv1.StackEventsStatus, p *stack.Progress) {
	if p == nil {
		return
	}
	*progress = p.Fraction()
	if p.Operation == "" || len(p.Events) == 0 {
		return // no events, or not back to the operation's start: which were mirrored cannot be told
	}
	m := *mirrored
	if m == nil || m.Operation != p.Operation {
		m = &csv1.StackEventsStatus{Operation: p.Operation}
		*mirrored = m
	}
	fresh := p.Events
	if m.LastEventID != "" {
		fresh = nil
		for i, e := range p.Events {
			if e.ID == m.LastEventID {
				fresh = p.Events[i+1:]
				break
			}
		}
	}
	if m.Truncated {
		if len(fresh) > 0 {
			m.LastEventID = fresh[len(fresh)-1].ID
		}
		return
	}
	for i, e := range fresh {
		// The rest wait for the next poll; after the operation there is none, so they go now.
		if i == eventsPerReconcile && p.Running {
			return
		}
		if m.Mirrored >= eventsPerOperation {
			recordEvent(rec, obj, csv1.ReasonStackEvent, "CloudFormation", fmt.Sprintf(
				"more than %d stack events in this operation; the rest are not mirrored as Events (the CloudFormation console lists them all)",
				eventsPerOperation))
			m.Mirrored++
			m.Truncated = true
			m.LastEventID = fresh[len(fresh)-1].ID
			return
		}
		reason := csv1.ReasonStackEvent
		if e.Failed() {
			reason = csv1.ReasonStackEventFailed
		}
		// The recorder folds Events of one action and reason into a series that keeps the first note, so the
		// action names the resource and its status: one series per resource status, not one per stack.
		recordEvent(rec, obj, reason, truncate(e.LogicalID+" "+e.Status, 128), e.String())
		m.Mirrored++
		m.LastEventID = e.ID
	}
}
