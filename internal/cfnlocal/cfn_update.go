package cfnlocal

import (
	"context"
	"slices"
)

// updateStack is UpdateStack: a direct update, without a change set, as `aws cloudformation deploy
// --no-execute-changeset` does not and `aws cloudformation update-stack` does. It shares the update run and its
// rollback with ExecuteChangeSet.
func (s *Server) updateStack(ctx context.Context, f form) (any, *apiError) {
	name := f.get("StackName")
	if name == "" {
		return nil, checkName("stackName", name)
	}
	previous := func() (*template, *apiError) {
		s.mu.Lock()
		defer s.mu.Unlock()
		st := s.findStackLocked(name)
		if st == nil || st.Template == nil {
			return nil, stackNotFound(name)
		}
		return st.Template, nil
	}
	t, aerr := s.templateInput(ctx, f, previous)
	if aerr != nil {
		return nil, aerr
	}
	caps := f.list("Capabilities.member")
	if aerr := checkCapabilities(t, caps); aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findStackLocked(name)
	if st == nil || st.Status == "DELETE_COMPLETE" {
		return nil, stackNotFound(name)
	}
	if !updatable(st.Status) {
		return nil, notUpdatable(st)
	}
	params, aerr := resolveParameters(t, parseParamInputs(f), st.Params)
	if aerr != nil {
		return nil, aerr
	}
	tags := st.Tags
	if f.indices("Tags.member") != nil {
		tags = parseTags(f)
	}
	if st.Template != nil && t.Body == st.Template.Body && slices.Equal(params, st.Params) && slices.Equal(tags, st.Tags) {
		return nil, validationError("No updates are to be performed.")
	}
	rb := &updateRollback{Template: st.Template, Params: st.Params, Outputs: st.Outputs, Imports: st.Imports, Previous: map[string]*resourceState{}}
	for id, r := range st.Resources {
		rb.Previous[id] = r.clone()
	}
	st.Template, st.Params, st.Capabilities, st.Tags = t, params, caps, tags
	st.LastChangeSetID = ""
	if f.has("DisableRollback") {
		st.DisableRollback = f.bool("DisableRollback")
	}
	st.Token = f.get("ClientRequestToken")
	s.setStackStatusLocked(st, "UPDATE_IN_PROGRESS", "User Initiated")
	s.startOpLocked(func(ctx context.Context) { s.runUpdate(ctx, st, rb) })
	return stackIDResult{StackId: st.ID}, nil
}
