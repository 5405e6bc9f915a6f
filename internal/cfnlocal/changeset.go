package cfnlocal

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// noChangesReason is AWS's wording for a change set with nothing to do.
const noChangesReason = "The submitted information didn't contain changes. Submit different information to create a change set."

// computeChangeSet moves a change set from CREATE_PENDING through
// CREATE_IN_PROGRESS to CREATE_COMPLETE (or FAILED), computing its changes
// against the stack as it is at that moment.
func (s *Server) computeChangeSet(ctx context.Context, st *stack, cs *changeSet) {
	if s.pause(ctx) != nil {
		return
	}
	s.mu.Lock()
	if !s.changeSetLiveLocked(st, cs) {
		s.mu.Unlock()
		return
	}
	cs.Status = "CREATE_IN_PROGRESS"
	s.mu.Unlock()
	if s.pause(ctx) != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.changeSetLiveLocked(st, cs) {
		return
	}
	changes, empty, err := s.diffLocked(st, cs)
	switch {
	case err != nil:
		cs.Status, cs.ExecutionStatus, cs.Reason = "FAILED", "UNAVAILABLE", err.Error()
	case empty:
		cs.Status, cs.ExecutionStatus, cs.Reason = "FAILED", "UNAVAILABLE", noChangesReason
	default:
		cs.Changes = changes
		cs.Status, cs.ExecutionStatus = "CREATE_COMPLETE", "AVAILABLE"
	}
}

func (s *Server) changeSetLiveLocked(st *stack, cs *changeSet) bool {
	for _, x := range st.ChangeSets {
		if x == cs {
			return true
		}
	}
	return false
}

// diffLocked compares the change set's template and parameters with the
// stack's current resources, per logical ID.
func (s *Server) diffLocked(st *stack, cs *changeSet) ([]resourceChange, bool, error) {
	current := map[string]*resourceState{}
	if cs.Type != "CREATE" {
		for id, r := range st.Resources {
			if r.Status != "DELETE_COMPLETE" && r.PhysicalID != "" {
				current[id] = r
			}
		}
	}
	ec := s.evalContextLocked(st, cs.Template, cs.Params, current, true)
	if err := ec.resolveConditions(cs.Template.Conditions); err != nil {
		return nil, false, err
	}
	active := activeResources(cs.Template, ec)
	waves, err := cs.Template.order(active)
	if err != nil {
		return nil, false, err
	}
	// visible is what references can see: a resource to be replaced gets a
	// new physical ID, so its dependents evaluate against a placeholder and
	// show up as modified, as CloudFormation reports them.
	visible := map[string]*resourceState{}
	for id, r := range current {
		visible[id] = r
	}
	ec.Resource = func(id string) (*resourceState, bool) {
		r, ok := visible[id]
		return r, ok
	}
	var changes []resourceChange
	var ids []string
	for _, w := range waves {
		ids = append(ids, w...)
	}
	for _, id := range ids {
		rd := cs.Template.Resources[id]
		props, err := evalProps(ec, rd)
		if err != nil {
			return nil, false, err
		}
		cur, ok := current[id]
		switch {
		case !ok:
			changes = append(changes, resourceChange{Action: "Add", LogicalID: id, Type: rd.Type})
		case cur.Type != rd.Type:
			delete(visible, id)
			changes = append(changes, resourceChange{Action: "Modify", LogicalID: id, PhysicalID: cur.PhysicalID, Type: rd.Type, Replacement: "True"})
		case !reflect.DeepEqual(cur.Props, props) || cur.DeletionPolicy != rd.DeletionPolicy || cur.ReplacePolicy != rd.UpdateReplacePolicy ||
			!reflect.DeepEqual(cur.Metadata, rd.Metadata) || cs.RevertDrift && revertible(cur):
			repl := replacement(rd.Type, cur.Props, props)
			if repl != "False" {
				delete(visible, id)
			}
			changes = append(changes, resourceChange{Action: "Modify", LogicalID: id, PhysicalID: cur.PhysicalID, Type: rd.Type, Replacement: repl,
				Details: changeDetails(rd.Type, cur, props, rd.Metadata)})
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].LogicalID < changes[j].LogicalID })
	for _, id := range slices.Sorted(maps.Keys(current)) {
		if !active[id] {
			changes = append(changes, resourceChange{Action: "Remove", LogicalID: id, PhysicalID: current[id].PhysicalID, Type: current[id].Type})
		}
	}
	if len(changes) > 0 || cs.Type == "CREATE" {
		return changes, false, nil
	}
	// No resource changes: outputs or tags may still differ.
	probe := &stack{ID: st.ID, Name: st.Name, Template: cs.Template}
	outs, err := s.computeOutputsLocked(probe, ec)
	if err != nil {
		return nil, false, err
	}
	same := outputsEqual(outs, st.Outputs) && (cs.Tags == nil || tagsEqual(cs.Tags, st.Tags))
	return nil, same, nil
}

// changeDetails names what changed in a modified resource: each top-level property whose value differs,
// recreating it when the replacement table says so, and its Metadata.
func changeDetails(typ string, cur *resourceState, props map[string]any, metadata any) []changeDetail {
	recreates := map[string]bool{}
	for _, p := range replacingProps(typ, cur.Props, props) {
		top, _, _ := strings.Cut(p, ".")
		recreates[top] = true
	}
	names := map[string]bool{}
	for k := range cur.Props {
		names[k] = true
	}
	for k := range props {
		names[k] = true
	}
	var out []changeDetail
	for _, k := range slices.Sorted(maps.Keys(names)) {
		if reflect.DeepEqual(cur.Props[k], props[k]) {
			continue
		}
		d := changeDetail{Attribute: "Properties", Name: k, RequiresRecreation: "Never"}
		if recreates[k] {
			d.RequiresRecreation = "Always"
		}
		out = append(out, d)
	}
	if !reflect.DeepEqual(cur.Metadata, metadata) {
		out = append(out, changeDetail{Attribute: "Metadata", RequiresRecreation: "Never"})
	}
	return out
}

// revertible says whether a REVERT_DRIFT change set brings the resource back to the template: one whose
// properties were changed outside CloudFormation. One deleted outside it is not recreated.
func revertible(r *resourceState) bool { return r.Actual != nil && !r.Gone }

func outputsEqual(a, b []output) bool {
	norm := func(o []output) []output {
		c := append([]output(nil), o...)
		sort.Slice(c, func(i, j int) bool { return c[i].Key < c[j].Key })
		return c
	}
	return reflect.DeepEqual(norm(a), norm(b)) || len(a) == 0 && len(b) == 0
}

func tagsEqual(a, b []tag) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]string{}
	for _, t := range a {
		m[t.Key] = t.Value
	}
	for _, t := range b {
		if v, ok := m[t.Key]; !ok || v != t.Value {
			return false
		}
	}
	return true
}
