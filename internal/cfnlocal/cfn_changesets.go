package cfnlocal

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

func changeSetNotFound(name string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: codeChangeSetNotFound, Message: fmt.Sprintf("ChangeSet [%s] does not exist", name), Sender: true}
}

// findChangeSetLocked resolves ChangeSetName (a name, with StackName, or an
// ARN) to a change set and its stack.
func (s *Server) findChangeSetLocked(nameOrID, stackName string) (*changeSet, *stack, *apiError) {
	if nameOrID == "" {
		return nil, nil, checkName("changeSetName", nameOrID)
	}
	if strings.HasPrefix(nameOrID, "arn:") {
		for _, st := range s.stacks {
			for _, cs := range st.ChangeSets {
				if cs.ID == nameOrID {
					return cs, st, nil
				}
			}
		}
		return nil, nil, changeSetNotFound(nameOrID)
	}
	if stackName == "" {
		return nil, nil, validationError("StackName must be specified if ChangeSetName is not specified as an ARN.")
	}
	st := s.findStackLocked(stackName)
	if st == nil {
		return nil, nil, stackNotFound(stackName)
	}
	for _, cs := range st.ChangeSets {
		if cs.Name == nameOrID && !cs.Executed {
			return cs, st, nil
		}
	}
	return nil, st, changeSetNotFound(nameOrID)
}

func (s *Server) createChangeSet(ctx context.Context, f form) (any, *apiError) {
	name, csName := f.get("StackName"), f.get("ChangeSetName")
	if aerr := checkName("stackName", name); aerr != nil && !strings.HasPrefix(name, "arn:") {
		return nil, aerr
	}
	if aerr := checkName("changeSetName", csName); aerr != nil {
		return nil, aerr
	}
	typ := f.get("ChangeSetType")
	switch typ {
	case "":
		typ = "UPDATE"
	case "CREATE":
		if strings.HasPrefix(name, "arn:") {
			return nil, checkName("stackName", name)
		}
	case "UPDATE":
	case "IMPORT":
		return nil, validationError("cfnlocal does not support IMPORT change sets")
	default:
		return nil, validationError("1 validation error detected: Value '%s' at 'changeSetType' failed to satisfy constraint: Member must satisfy enum value set: [IMPORT, UPDATE, CREATE]", typ)
	}
	onFailure := f.get("OnStackFailure")
	switch onFailure {
	case "", "ROLLBACK", "DELETE", "DO_NOTHING":
	default:
		return nil, validationError("1 validation error detected: Value '%s' at 'onStackFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]", onFailure)
	}
	revert := false
	switch mode := f.get("DeploymentMode"); mode {
	case "":
	case "REVERT_DRIFT":
		if typ != "UPDATE" {
			return nil, validationError("DeploymentMode REVERT_DRIFT is only supported for UPDATE change sets")
		}
		revert = true
	default:
		return nil, validationError("1 validation error detected: Value '%s' at 'deploymentMode' failed to satisfy constraint: Member must satisfy enum value set: [REVERT_DRIFT]", mode)
	}
	var previous func() (*template, *apiError)
	if typ == "UPDATE" {
		previous = func() (*template, *apiError) {
			s.mu.Lock()
			defer s.mu.Unlock()
			st := s.findStackLocked(name)
			if st == nil || st.Template == nil {
				return nil, validationError("Stack [%s] does not exist", name)
			}
			return st.Template, nil
		}
	}
	t, aerr := s.templateInput(ctx, f, previous)
	if aerr != nil {
		return nil, aerr
	}
	caps := f.list("Capabilities.member")

	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findStackLocked(name)
	if st != nil && st.Status == "DELETE_COMPLETE" {
		st = nil
	}
	var prevParams []paramValue
	switch typ {
	case "CREATE":
		if st != nil && st.Status != "REVIEW_IN_PROGRESS" {
			return nil, validationError("Stack [%s] already exists and cannot be created again with the changeSet [%s].", st.Name, csName)
		}
	case "UPDATE":
		if st == nil {
			return nil, validationError("Stack [%s] does not exist", name)
		}
		if !updatable(st.Status) {
			return nil, notUpdatable(st)
		}
		prevParams = st.Params
	}
	if st != nil {
		for _, cs := range st.ChangeSets {
			if cs.Name == csName && !cs.Executed {
				return nil, senderError(codeAlreadyExists, "ChangeSet [%s] already exists", csName)
			}
		}
	}
	if aerr := checkCapabilities(t, caps); aerr != nil {
		return nil, aerr
	}
	params, aerr := resolveParameters(t, parseParamInputs(f), prevParams)
	if aerr != nil {
		return nil, aerr
	}
	if st == nil {
		st = s.newStackLocked(name)
		s.setStackStatusLocked(st, "REVIEW_IN_PROGRESS", "User Initiated")
	}
	n := s.nextSeq()
	cs := &changeSet{
		ID:   fmt.Sprintf("arn:aws:cloudformation:%s:%s:changeSet/%s/%08x-%04x-4000-9000-%012x", s.opts.Region, s.opts.AccountID, csName, uint32(n*2246822519), uint16(n), n),
		Name: csName, StackID: st.ID, StackName: st.Name, Type: typ,
		Status: "CREATE_PENDING", ExecutionStatus: "UNAVAILABLE", Created: time.Now(),
		Description: f.get("Description"), Template: t, Params: params, Capabilities: caps,
		OnStackFailure: onFailure, RevertDrift: revert,
	}
	if f.indices("Tags.member") != nil {
		cs.Tags = parseTags(f)
	}
	if typ == "CREATE" && st.Tags == nil {
		// CloudFormation gives the stack a CREATE change set makes the change set's tags at once, so
		// DescribeStacks shows them while the stack is still in review.
		st.Tags = cs.Tags
	}
	st.ChangeSets = append(st.ChangeSets, cs)
	s.trimChangeSetsLocked(st)
	s.startOpLocked(func(ctx context.Context) { s.computeChangeSet(ctx, st, cs) })
	return createChangeSetResult{Id: cs.ID, StackId: st.ID}, nil
}

// updatable reports whether a stack in this status accepts an update.
func updatable(status string) bool {
	switch status {
	case "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_FAILED", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE":
		return true
	}
	return false
}

// trimChangeSetsLocked drops the oldest change sets beyond the limit,
// never one being executed.
func (s *Server) trimChangeSetsLocked(st *stack) {
	for len(st.ChangeSets) > s.opts.MaxChangeSetsPerStack {
		dropped := false
		for i, cs := range st.ChangeSets {
			if cs.ExecutionStatus != "EXECUTE_IN_PROGRESS" {
				st.ChangeSets = append(st.ChangeSets[:i:i], st.ChangeSets[i+1:]...)
				dropped = true
				break
			}
		}
		if !dropped {
			return
		}
	}
}

func (s *Server) describeChangeSet(_ context.Context, f form) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, st, aerr := s.findChangeSetLocked(f.get("ChangeSetName"), f.get("StackName"))
	if aerr != nil {
		return nil, aerr
	}
	res := describeChangeSetResult{
		ChangeSetName: cs.Name, ChangeSetId: cs.ID, StackId: st.ID, StackName: st.Name,
		Description: cs.Description, Parameters: xmlParams(cs.Params), CreationTime: awsTime(cs.Created),
		ExecutionStatus: cs.ExecutionStatus, Status: cs.Status, StatusReason: cs.Reason,
		Capabilities: cs.Capabilities, Tags: xmlTags(cs.Tags), Changes: []xmlChange{}, OnStackFailure: cs.OnStackFailure,
	}
	if cs.RevertDrift {
		res.DeploymentMode = "REVERT_DRIFT"
	}
	for _, c := range cs.Changes {
		rc := xmlResourceChange{Action: c.Action, LogicalResourceId: c.LogicalID, PhysicalResourceId: c.PhysicalID, ResourceType: c.Type, Replacement: c.Replacement}
		if c.Action == "Modify" {
			rc.Scope = []string{"Properties"}
		}
		for _, d := range c.Details {
			var x xmlDetail
			x.Target.Attribute, x.Target.Name, x.Target.RequiresRecreation = d.Attribute, d.Name, d.RequiresRecreation
			x.Evaluation, x.ChangeSource = "Static", "DirectModification"
			rc.Details = append(rc.Details, x)
		}
		res.Changes = append(res.Changes, xmlChange{Type: "Resource", ResourceChange: rc})
	}
	return res, nil
}

func (s *Server) listChangeSets(_ context.Context, f form) (any, *apiError) {
	name := f.get("StackName")
	if name == "" {
		return nil, checkName("stackName", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findStackLocked(name)
	if st == nil {
		return nil, stackNotFound(name)
	}
	res := listChangeSetsResult{Summaries: []xmlChangeSetSummary{}}
	for _, cs := range st.ChangeSets {
		if cs.Executed {
			continue
		}
		res.Summaries = append(res.Summaries, xmlChangeSetSummary{
			StackId: st.ID, StackName: st.Name, ChangeSetId: cs.ID, ChangeSetName: cs.Name,
			ExecutionStatus: cs.ExecutionStatus, Status: cs.Status, StatusReason: cs.Reason,
			CreationTime: awsTime(cs.Created), Description: cs.Description,
		})
	}
	return res, nil
}

// deleteChangeSet succeeds for a change set that is not there, as AWS does
// when the stack exists; only a missing stack is an error.
func (s *Server) deleteChangeSet(_ context.Context, f form) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, st, aerr := s.findChangeSetLocked(f.get("ChangeSetName"), f.get("StackName"))
	if aerr != nil && aerr.Code == codeChangeSetNotFound {
		return nil, nil
	}
	if aerr != nil {
		return nil, aerr
	}
	if cs.ExecutionStatus == "EXECUTE_IN_PROGRESS" {
		return nil, senderError(codeInvalidChangeSetStatus, "ChangeSet [%s] cannot be deleted in its current execution status of [%s]", cs.ID, cs.ExecutionStatus)
	}
	for i, x := range st.ChangeSets {
		if x == cs {
			st.ChangeSets = append(st.ChangeSets[:i:i], st.ChangeSets[i+1:]...)
			break
		}
	}
	return nil, nil
}

func (s *Server) executeChangeSet(_ context.Context, f form) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, st, aerr := s.findChangeSetLocked(f.get("ChangeSetName"), f.get("StackName"))
	if aerr != nil {
		return nil, aerr
	}
	if cs.ExecutionStatus != "AVAILABLE" {
		status := cs.Status
		if status == "CREATE_COMPLETE" {
			status = cs.ExecutionStatus
		}
		return nil, senderError(codeInvalidChangeSetStatus, "ChangeSet [%s] cannot be executed in its current status of [%s]", cs.ID, status)
	}
	if cs.Type == "CREATE" && st.Status != "REVIEW_IN_PROGRESS" || cs.Type == "UPDATE" && !updatable(st.Status) {
		return nil, notUpdatable(st)
	}
	// Executing a change set makes the stack's other change sets obsolete;
	// CloudFormation deletes them.
	st.ChangeSets = []*changeSet{cs}
	cs.ExecutionStatus = "EXECUTE_IN_PROGRESS"
	cs.Executed = true
	st.LastChangeSetID = cs.ID
	st.Token = f.get("ClientRequestToken")
	st.revertDrift = cs.RevertDrift
	disable := f.bool("DisableRollback") || cs.OnStackFailure == "DO_NOTHING"
	if cs.Type == "CREATE" {
		st.Template, st.Params, st.Capabilities, st.Tags = cs.Template, cs.Params, cs.Capabilities, cs.Tags
		st.DisableRollback = disable
		st.OnFailure = cs.OnStackFailure
		s.setStackStatusLocked(st, "CREATE_IN_PROGRESS", "User Initiated")
		s.startOpLocked(func(ctx context.Context) { s.runCreate(ctx, st) })
		return struct{}{}, nil
	}
	rb := &updateRollback{Template: st.Template, Params: st.Params, Outputs: st.Outputs, Imports: st.Imports, Previous: map[string]*resourceState{}}
	for id, r := range st.Resources {
		rb.Previous[id] = r.clone()
	}
	st.Template, st.Params, st.Capabilities = cs.Template, cs.Params, cs.Capabilities
	if cs.Tags != nil {
		st.Tags = cs.Tags
	}
	st.DisableRollback = disable
	s.setStackStatusLocked(st, "UPDATE_IN_PROGRESS", "User Initiated")
	s.startOpLocked(func(ctx context.Context) { s.runUpdate(ctx, st, rb) })
	return struct{}{}, nil
}
