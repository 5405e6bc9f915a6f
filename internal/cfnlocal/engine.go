package cfnlocal

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// work is one resource operation inside a wave. begin, finish, fail and
// cancel run with mu held.
type work struct {
	res    *resourceState
	op     string // CREATE, UPDATE or DELETE: what a ResourceFault matches
	begin  func()
	finish func()
	fail   func(reason string)
	cancel func()
	// refused, when set, is why the AWS service refuses the operation ("" when it accepts it).
	refused func() string
}

// runWave starts every item (their IN_PROGRESS events come together, as
// CloudFormation works on independent resources in parallel), then lets
// each take one pause and succeed or fail. When stopOnFailure is set, the
// first failure cancels the items not finished yet. It returns the failed
// logical IDs and false if the server is shutting down.
func (s *Server) runWave(ctx context.Context, st *stack, items []work, rollback, stopOnFailure bool) ([]string, bool) {
	s.mu.Lock()
	for _, it := range items {
		it.begin()
	}
	s.mu.Unlock()
	var failed []string
	for i, it := range items {
		if err := s.pause(ctx); err != nil {
			return failed, false
		}
		s.mu.Lock()
		reason, bad := s.resourceFaultLocked(st.Name, it.res, it.op, rollback)
		if !bad && it.refused != nil {
			reason = it.refused()
			bad = reason != ""
		}
		if !bad {
			it.finish()
			s.mu.Unlock()
			continue
		}
		it.fail(reason)
		failed = append(failed, it.res.LogicalID)
		if stopOnFailure {
			for _, rest := range items[i+1:] {
				rest.cancel()
			}
			s.mu.Unlock()
			return failed, true
		}
		s.mu.Unlock()
	}
	return failed, true
}

// failure describes why a forward operation stopped.
type failure struct {
	resources []string
	verb      string // create or update
	reason    string // a stack-level reason instead of resource failures
}

func (f *failure) stackReason(suffix string) string {
	if f.reason != "" {
		if suffix == "" {
			return f.reason
		}
		return strings.TrimSuffix(f.reason, ".") + ". " + suffix
	}
	return fmt.Sprintf("The following resource(s) failed to %s: [%s]. %s", f.verb, strings.Join(f.resources, ", "), suffix)
}

// finishExecutionLocked records the change set's outcome, if any.
func finishExecutionLocked(st *stack, status string) {
	for _, cs := range st.ChangeSets {
		if cs.ID == st.LastChangeSetID && cs.ExecutionStatus == "EXECUTE_IN_PROGRESS" {
			cs.ExecutionStatus = status
		}
	}
}

// runCreate creates a stack whose status is already CREATE_IN_PROGRESS.
func (s *Server) runCreate(ctx context.Context, st *stack) {
	ap, alive := s.apply(ctx, st)
	if !alive {
		return
	}
	ec, fail := ap.ec, ap.fail
	s.mu.Lock()
	if fail == nil {
		outs, err := s.computeOutputsLocked(st, ec)
		if err != nil {
			fail = &failure{reason: err.Error()}
		} else {
			s.publishOutputsLocked(st, outs)
			st.Imports = ec.Imports
			s.setStackStatusLocked(st, "CREATE_COMPLETE", "")
			finishExecutionLocked(st, "EXECUTE_COMPLETE")
			s.mu.Unlock()
			return
		}
	}
	finishExecutionLocked(st, "EXECUTE_FAILED")
	if st.DisableRollback || st.OnFailure == "DO_NOTHING" {
		s.setStackStatusLocked(st, "CREATE_FAILED", fail.stackReason(""))
		s.mu.Unlock()
		return
	}
	suffix := "Rollback requested by user."
	if st.OnFailure == "DELETE" {
		suffix = "Delete requested by user."
	}
	s.setStackStatusLocked(st, "ROLLBACK_IN_PROGRESS", fail.stackReason(suffix))
	order := deletionOrder(st)
	s.mu.Unlock()

	failedDeletes, alive := s.deleteResources(ctx, st, order, nil, true)
	if !alive {
		return
	}
	s.mu.Lock()
	if len(failedDeletes) > 0 {
		s.setStackStatusLocked(st, "ROLLBACK_FAILED", fmt.Sprintf("The following resource(s) failed to delete: [%s]. ", strings.Join(failedDeletes, ", ")))
		s.mu.Unlock()
		return
	}
	s.setStackStatusLocked(st, "ROLLBACK_COMPLETE", "")
	if st.OnFailure == "DELETE" {
		s.setStackStatusLocked(st, "DELETE_IN_PROGRESS", "")
		s.completeDeleteLocked(st)
	}
	s.mu.Unlock()
}

// evalWave resolves the properties of every resource in a wave, returning
// the first resource that fails and why.
func evalWave(ec *evalContext, t *template, wave []string) (map[string]map[string]any, string, error) {
	out := make(map[string]map[string]any, len(wave))
	for _, id := range wave {
		p, err := evalProps(ec, t.Resources[id])
		if err != nil {
			return nil, id, err
		}
		out[id] = p
	}
	return out, "", nil
}

// deleteResources deletes the named resources in the order given. Retained
// ones (DeletionPolicy Retain or listed in retain) are skipped with
// DELETE_SKIPPED. Resources never created are left alone. Failures do not
// stop the others. It returns the logical IDs that failed to delete.
func (s *Server) deleteResources(ctx context.Context, st *stack, order []string, retain map[string]bool, rollback bool) ([]string, bool) {
	var failed []string
	for _, id := range order {
		s.mu.Lock()
		r := st.Resources[id]
		if r == nil || r.Status == "DELETE_COMPLETE" || r.Status == "DELETE_SKIPPED" {
			s.mu.Unlock()
			continue
		}
		if r.PhysicalID == "" {
			// Never created (failed or cancelled): nothing to delete.
			if r.Status == "CREATE_FAILED" {
				s.resourceEventLocked(st, r, "DELETE_COMPLETE", "")
			}
			s.mu.Unlock()
			continue
		}
		if r.DeletionPolicy == "Retain" || retain[id] {
			s.resourceEventLocked(st, r, "DELETE_SKIPPED", "")
			s.mu.Unlock()
			continue
		}
		s.mu.Unlock()
		f, alive := s.runWave(ctx, st, []work{deleteWork(s, st, r)}, rollback, false)
		if !alive {
			return failed, false
		}
		failed = append(failed, f...)
	}
	return failed, true
}

func deleteWork(s *Server, st *stack, r *resourceState) work {
	return work{
		res: r, op: "DELETE",
		begin:  func() { s.resourceEventLocked(st, r, "DELETE_IN_PROGRESS", "") },
		finish: func() { s.resourceEventLocked(st, r, "DELETE_COMPLETE", "") },
		fail:   func(reason string) { s.resourceEventLocked(st, r, "DELETE_FAILED", reason) },
		cancel: func() {},
		refused: func() string {
			if check, ok := deleteChecks[r.Type]; ok {
				return check(s, r)
			}
			return ""
		},
	}
}

// runDelete deletes a stack whose status is already DELETE_IN_PROGRESS.
func (s *Server) runDelete(ctx context.Context, st *stack, retain map[string]bool) {
	s.mu.Lock()
	for _, o := range st.Outputs {
		if o.ExportName == "" {
			continue
		}
		for _, other := range s.stacks {
			if other != st && other.Imports[o.ExportName] {
				s.setStackStatusLocked(st, "DELETE_FAILED", fmt.Sprintf("Export %s cannot be deleted as it is in use by %s", o.ExportName, other.Name))
				s.mu.Unlock()
				return
			}
		}
	}
	order := deletionOrder(st)
	s.mu.Unlock()
	failed, alive := s.deleteResources(ctx, st, order, retain, false)
	if !alive {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(failed) > 0 {
		s.setStackStatusLocked(st, "DELETE_FAILED", fmt.Sprintf("The following resource(s) failed to delete: [%s]. ", strings.Join(failed, ", ")))
		return
	}
	s.completeDeleteLocked(st)
}

// completeDeleteLocked marks a stack DELETE_COMPLETE and moves it to the
// bounded list of deleted stacks, which only lookups by stack ID see.
func (s *Server) completeDeleteLocked(st *stack) {
	s.setStackStatusLocked(st, "DELETE_COMPLETE", "")
	st.Deleted = time.Now()
	st.ChangeSets = nil
	s.publishOutputsLocked(st, nil)
	for i, x := range s.stacks {
		if x == st {
			s.stacks = append(s.stacks[:i:i], s.stacks[i+1:]...)
			break
		}
	}
	s.deleted = append(s.deleted, st)
	if over := len(s.deleted) - s.opts.MaxDeletedStacks; over > 0 {
		s.deleted = append([]*stack(nil), s.deleted[over:]...)
	}
}

// applied is what apply did to a stack's resources.
type applied struct {
	ec *evalContext
	// revert says the update executes a REVERT_DRIFT change set, which also updates drifted resources.
	revert bool
	// active are the resources the template's conditions keep.
	active map[string]bool
	// fail is the first failure, nil if every resource was applied.
	fail *failure
	// touched are the resources updated or replaced and added those created, for an update's rollback;
	// replacedOld are the old physical resources of replacements, for its cleanup.
	touched, added []string
	replacedOld    []*resourceState
}

// apply brings the resources of st to its template, wave by wave in
// dependency order, until a resource fails: it creates what the stack does not
// have (everything, for a new stack), updates or replaces what changed, and
// leaves the rest. It returns false if the server is shutting down.
func (s *Server) apply(ctx context.Context, st *stack) (applied, bool) {
	s.mu.Lock()
	ap := applied{ec: s.evalContextLocked(st, st.Template, st.Params, st.Resources, false), revert: st.revertDrift}
	var waves [][]string
	if err := ap.ec.resolveConditions(st.Template.Conditions); err != nil {
		ap.fail = &failure{reason: err.Error()}
	} else {
		ap.active = activeResources(st.Template, ap.ec)
		waves, _ = st.Template.order(ap.active)
	}
	s.mu.Unlock()

	for _, wave := range waves {
		s.mu.Lock()
		// Resolve the whole wave first, so a resource whose properties cannot
		// be resolved fails before any of its siblings start.
		allProps, badID, err := evalWave(ap.ec, st.Template, wave)
		if err != nil {
			ap.failEval(s, st, badID, err)
			s.mu.Unlock()
			return ap, true
		}
		var items []work
		for _, id := range wave {
			if it, ok := ap.workFor(s, st, id, allProps[id]); ok {
				items = append(items, it)
			}
		}
		s.mu.Unlock()
		failed, alive := s.runWave(ctx, st, items, false, true)
		if !alive {
			return ap, false
		}
		if len(failed) > 0 {
			verb := "update"
			for _, id := range failed {
				if slices.Contains(ap.added, id) {
					verb = "create"
				}
			}
			ap.fail = &failure{resources: failed, verb: verb}
			return ap, true
		}
	}
	return ap, true
}

// failEval records that the properties of resource id could not be
// resolved: it fails to be created, or updated if the stack has it. The
// caller holds mu.
func (ap *applied) failEval(s *Server, st *stack, id string, err error) {
	r := st.Resources[id]
	status := "UPDATE_FAILED"
	if r == nil || r.Status == "DELETE_COMPLETE" {
		r = &resourceState{LogicalID: id, Type: st.Template.Resources[id].Type, Region: s.opts.Region, AccountID: s.opts.AccountID, StackName: st.Name}
		st.Resources[id] = r
		ap.added = append(ap.added, id)
		status = "CREATE_FAILED"
	} else {
		ap.touched = append(ap.touched, id)
	}
	s.resourceEventLocked(st, r, status, err.Error())
	ap.fail = &failure{resources: []string{id}, verb: strings.ToLower(strings.TrimSuffix(status, "_FAILED"))}
}

// workFor is the operation that brings resource id to props: a creation, an
// update or replacement, or none when it is unchanged. The caller holds mu.
func (ap *applied) workFor(s *Server, st *stack, id string, props map[string]any) (work, bool) {
	rd := st.Template.Resources[id]
	cur := st.Resources[id]
	if cur != nil && cur.Status == "DELETE_COMPLETE" {
		cur = nil
	}
	switch {
	case cur == nil:
		r := &resourceState{LogicalID: id, Type: rd.Type, DeletionPolicy: rd.DeletionPolicy, ReplacePolicy: rd.UpdateReplacePolicy, Metadata: rd.Metadata, Props: props, Region: s.opts.Region, AccountID: s.opts.AccountID, StackName: st.Name}
		st.Resources[id] = r
		ap.added = append(ap.added, id)
		return work{
			res: r, op: "CREATE",
			begin: func() { s.resourceEventLocked(st, r, "CREATE_IN_PROGRESS", "") },
			finish: func() {
				assignPhysicalID(r, st.ID)
				s.resourceEventLocked(st, r, "CREATE_COMPLETE", "")
			},
			fail:    func(reason string) { s.resourceEventLocked(st, r, "CREATE_FAILED", reason) },
			cancel:  func() { s.resourceEventLocked(st, r, "CREATE_FAILED", "Resource creation cancelled") },
			refused: s.refusal(rd.Type, props),
		}, true
	case cur.Type == rd.Type && reflect.DeepEqual(cur.Props, props) && cur.DeletionPolicy == rd.DeletionPolicy && cur.ReplacePolicy == rd.UpdateReplacePolicy &&
		reflect.DeepEqual(cur.Metadata, rd.Metadata) && (!ap.revert || !revertible(cur)):
		// Unchanged: CloudFormation leaves it alone.
		return work{}, false
	}
	r := cur
	replace := r.Type != rd.Type || needsReplacement(rd.Type, r.Props, props)
	ap.touched = append(ap.touched, id)
	return work{
		res: r, op: "UPDATE",
		begin: func() {
			reason := ""
			if replace {
				reason = "Requested update requires the creation of a new physical resource; hence creating one."
			}
			s.resourceEventLocked(st, r, "UPDATE_IN_PROGRESS", reason)
		},
		finish: func() {
			if replace {
				ap.replacedOld = append(ap.replacedOld, r.clone())
				r.Generation++
				r.Type = rd.Type
				r.Props = props
				r.Actual, r.Gone = nil, false
				assignPhysicalID(r, st.ID)
				s.resourceEventLocked(st, r, "UPDATE_IN_PROGRESS", "Resource creation Initiated")
			}
			old := r.Props
			r.Props = props
			r.wrote(old, ap.revert)
			r.DeletionPolicy = rd.DeletionPolicy
			r.ReplacePolicy = rd.UpdateReplacePolicy
			r.Metadata = rd.Metadata
			s.resourceEventLocked(st, r, "UPDATE_COMPLETE", "")
		},
		fail:   func(reason string) { s.resourceEventLocked(st, r, "UPDATE_FAILED", reason) },
		cancel: func() { s.resourceEventLocked(st, r, "UPDATE_FAILED", "Resource update cancelled") },
		refused: func() string {
			if !replace && r.Gone {
				// The resource was deleted outside CloudFormation: its service has nothing to update.
				return fmt.Sprintf("Resource handler returned message: \"Resource of type '%s' with identifier '%s' was not found.\" (HandlerErrorCode: NotFound)", r.Type, r.PhysicalID)
			}
			if !replace {
				return ""
			}
			return s.refusal(rd.Type, props)()
		},
	}, true
}

// refusal is the check the AWS service makes before it creates a resource of type typ with props. The returned
// function runs with mu held.
func (s *Server) refusal(typ string, props map[string]any) func() string {
	check, ok := createChecks[typ]
	if !ok {
		return func() string { return "" }
	}
	return func() string { return check(s, props) }
}

// runUpdate applies a new template to a stack whose status is already
// UPDATE_IN_PROGRESS; rb holds the previous state for a rollback.
func (s *Server) runUpdate(ctx context.Context, st *stack, rb *updateRollback) {
	ap, alive := s.apply(ctx, st)
	if !alive {
		return
	}
	ec, fail, active, touched, added := ap.ec, ap.fail, ap.active, ap.touched, ap.added
	s.mu.Lock()
	if fail == nil {
		outs, err := s.computeOutputsLocked(st, ec)
		if err != nil {
			fail = &failure{reason: err.Error()}
		} else {
			s.setStackStatusLocked(st, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "")
			var order []string
			for _, id := range deletionOrder(st) {
				if !active[id] {
					order = append(order, id)
				}
			}
			s.mu.Unlock()
			cleanupFailed, alive := s.cleanup(ctx, st, order, ap.replacedOld, false)
			if !alive {
				return
			}
			reason := ""
			if cleanupFailed {
				reason = cleanupFailedReason
			}
			s.mu.Lock()
			s.publishOutputsLocked(st, outs)
			st.Imports = ec.Imports
			s.setStackStatusLocked(st, "UPDATE_COMPLETE", reason)
			finishExecutionLocked(st, "EXECUTE_COMPLETE")
			s.mu.Unlock()
			return
		}
	}
	finishExecutionLocked(st, "EXECUTE_FAILED")
	if st.DisableRollback {
		s.setStackStatusLocked(st, "UPDATE_FAILED", fail.stackReason(""))
		s.mu.Unlock()
		return
	}
	s.setStackStatusLocked(st, "UPDATE_ROLLBACK_IN_PROGRESS", fail.stackReason(""))
	// Restore in the previous template's dependency order.
	prevWaves, _ := rb.Template.order(nil)
	pos := map[string]int{}
	n := 0
	for _, w := range prevWaves {
		for _, id := range w {
			pos[id] = n
			n++
		}
	}
	sort.SliceStable(touched, func(i, j int) bool { return pos[touched[i]] < pos[touched[j]] })
	// The old physical resources of replacements are simply kept: the
	// rollback points the stack back at them.
	rb.Pending = touched
	for _, id := range added {
		rb.Cleanup = append(rb.Cleanup, st.Resources[id])
	}
	st.Template = rb.Template
	st.Params = rb.Params
	st.rollback = rb
	s.mu.Unlock()
	s.continueRollback(ctx, st, nil)
}

// continueRollback restores the pending resources of an update rollback,
// then deletes what the failed update created. A failure leaves the stack
// UPDATE_ROLLBACK_FAILED with the remaining work kept for
// ContinueUpdateRollback.
func (s *Server) continueRollback(ctx context.Context, st *stack, skip map[string]bool) {
	s.mu.Lock()
	rb := st.rollback
	var keep []string
	for _, id := range rb.Pending {
		if skip[id] {
			if r := st.Resources[id]; r != nil {
				s.resourceEventLocked(st, r, "UPDATE_COMPLETE", "Resource skipped during UPDATE_ROLLBACK")
			}
			continue
		}
		keep = append(keep, id)
	}
	rb.Pending = keep
	s.mu.Unlock()

	for {
		s.mu.Lock()
		if len(rb.Pending) == 0 {
			s.mu.Unlock()
			break
		}
		id := rb.Pending[0]
		cur := st.Resources[id]
		prev := rb.Previous[id]
		s.mu.Unlock()
		if cur == nil || prev == nil {
			s.mu.Lock()
			rb.Pending = rb.Pending[1:]
			s.mu.Unlock()
			continue
		}
		it := work{
			res: cur, op: "UPDATE",
			begin: func() { s.resourceEventLocked(st, cur, "UPDATE_IN_PROGRESS", "") },
			finish: func() {
				restored := prev.clone()
				if cur.PhysicalID != prev.PhysicalID {
					rb.Cleanup = append(rb.Cleanup, cur.clone())
				}
				st.Resources[id] = restored
				s.resourceEventLocked(st, restored, "UPDATE_COMPLETE", "")
			},
			fail:   func(reason string) { s.resourceEventLocked(st, cur, "UPDATE_FAILED", reason) },
			cancel: func() {},
		}
		failed, alive := s.runWave(ctx, st, []work{it}, true, true)
		if !alive {
			return
		}
		if len(failed) > 0 {
			s.mu.Lock()
			s.setStackStatusLocked(st, "UPDATE_ROLLBACK_FAILED", fmt.Sprintf("The following resource(s) failed to update: [%s]. ", id))
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		rb.Pending = rb.Pending[1:]
		s.mu.Unlock()
	}

	s.mu.Lock()
	s.setStackStatusLocked(st, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "")
	var addedIDs []string
	var replaced []*resourceState
	for i := len(rb.Cleanup) - 1; i >= 0; i-- {
		r := rb.Cleanup[i]
		if st.Resources[r.LogicalID] == r {
			addedIDs = append(addedIDs, r.LogicalID)
		} else {
			replaced = append(replaced, r)
		}
	}
	s.mu.Unlock()
	if _, alive := s.cleanup(ctx, st, addedIDs, replaced, true); !alive {
		return
	}
	s.mu.Lock()
	s.publishOutputsLocked(st, rb.Outputs)
	st.Imports = rb.Imports
	st.rollback = nil
	s.setStackStatusLocked(st, "UPDATE_ROLLBACK_COMPLETE", "")
	s.mu.Unlock()
}

// cleanup deletes resources the stack no longer has (removing them from the
// stack) and old physical resources left by replacements. As in
// CloudFormation, a failure here is reported on the resource but does not
// fail the stack.
func (s *Server) cleanup(ctx context.Context, st *stack, ids []string, physical []*resourceState, rollback bool) (failed, alive bool) {
	f, alive := s.deleteResources(ctx, st, ids, nil, rollback)
	if !alive {
		return false, false
	}
	failed = len(f) > 0
	s.mu.Lock()
	for _, id := range ids {
		if r := st.Resources[id]; r != nil && (r.Status == "DELETE_COMPLETE" || r.Status == "DELETE_SKIPPED" || r.Status == "DELETE_FAILED" || r.PhysicalID == "") {
			delete(st.Resources, id)
		}
	}
	s.mu.Unlock()
	for _, old := range physical {
		if old.ReplacePolicy == "Retain" {
			s.mu.Lock()
			s.resourceEventLocked(st, old, "DELETE_SKIPPED", "")
			s.mu.Unlock()
			continue
		}
		f, alive := s.runWave(ctx, st, []work{deleteWork(s, st, old)}, rollback, false)
		if !alive {
			return false, false
		}
		failed = failed || len(f) > 0
	}
	return failed, true
}

// cleanupFailedReason is CloudFormation's status reason when cleanup could
// not delete everything; the resources are left behind, out of the stack.
const cleanupFailedReason = "Update successful. One or more resources could not be deleted."
