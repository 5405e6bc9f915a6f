package cfnlocal

import (
	"context"
	"encoding/base64"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// pageSize is how many items a paginated CloudFormation call returns.
const pageSize = 100

func (s *Server) createStack(ctx context.Context, f form) (any, *apiError) {
	name := f.get("StackName")
	if aerr := checkName("stackName", name); aerr != nil {
		return nil, aerr
	}
	t, aerr := s.templateInput(ctx, f, nil)
	if aerr != nil {
		return nil, aerr
	}
	onFailure := f.get("OnFailure")
	switch onFailure {
	case "", "ROLLBACK", "DELETE", "DO_NOTHING":
	default:
		return nil, validationError("1 validation error detected: Value '%s' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]", onFailure)
	}
	if onFailure != "" && f.has("DisableRollback") {
		return nil, validationError("You cannot specify both DisableRollback and OnFailure.")
	}
	caps := f.list("Capabilities.member")
	if aerr := checkCapabilities(t, caps); aerr != nil {
		return nil, aerr
	}
	params, aerr := resolveParameters(t, parseParamInputs(f), nil)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findStackLocked(name) != nil {
		return nil, senderError(codeAlreadyExists, "Stack [%s] already exists", name)
	}
	st := s.newStackLocked(name)
	st.Template, st.Params, st.Capabilities, st.Tags = t, params, caps, parseTags(f)
	st.DisableRollback = f.bool("DisableRollback")
	st.OnFailure = onFailure
	st.TerminationProtection = f.bool("EnableTerminationProtection")
	st.Token = f.get("ClientRequestToken")
	s.setStackStatusLocked(st, "CREATE_IN_PROGRESS", "User Initiated")
	s.startOpLocked(func(ctx context.Context) { s.runCreate(ctx, st) })
	return stackIDResult{StackId: st.ID}, nil
}

func (s *Server) deleteStack(_ context.Context, f form) (any, *apiError) {
	name := f.get("StackName")
	if name == "" {
		return nil, checkName("stackName", name)
	}
	retain := map[string]bool{}
	for _, id := range f.list("RetainResources.member") {
		retain[id] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findStackLocked(name)
	// Deleting a stack that does not exist (any more) succeeds, as in AWS.
	if st == nil || st.Status == "DELETE_COMPLETE" || st.Status == "DELETE_IN_PROGRESS" {
		return nil, nil
	}
	if st.TerminationProtection {
		return nil, validationError("Stack [%s] cannot be deleted while TerminationProtection is enabled", st.Name)
	}
	if inProgress(st.Status) {
		return nil, validationError("Stack [%s] cannot be deleted while in status %s", st.ID, st.Status)
	}
	if len(retain) > 0 && st.Status != "DELETE_FAILED" {
		return nil, validationError("Invalid operation on stack [%s]. RetainResources can only be specified when the stack is in the DELETE_FAILED state.", st.ID)
	}
	for id := range retain {
		if r := st.Resources[id]; r == nil || r.Status != "DELETE_FAILED" {
			return nil, validationError("Resource [%s] is not in DELETE_FAILED state and cannot be retained.", id)
		}
	}
	st.Token = f.get("ClientRequestToken")
	s.setStackStatusLocked(st, "DELETE_IN_PROGRESS", "User Initiated")
	s.startOpLocked(func(ctx context.Context) { s.runDelete(ctx, st, retain) })
	return nil, nil
}

func (s *Server) describeStacks(_ context.Context, f form) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*stack
	if name := f.get("StackName"); name != "" {
		st := s.findStackLocked(name)
		if st == nil {
			return nil, stackNotFound(name)
		}
		list = []*stack{st}
	} else {
		for i := len(s.stacks) - 1; i >= 0; i-- {
			list = append(list, s.stacks[i])
		}
	}
	// Without a name the stacks come in pages, as CloudFormation sends them.
	from, aerr := parsePageToken(f.get("NextToken"))
	if aerr != nil {
		return nil, aerr
	}
	res := describeStacksResult{Stacks: []xmlStack{}}
	for i := int(min(max(from, 0), int64(len(list)))); i < len(list); i++ {
		if len(res.Stacks) == pageSize {
			res.NextToken = pageToken(int64(i))
			break
		}
		res.Stacks = append(res.Stacks, s.xmlStackLocked(list[i]))
	}
	return res, nil
}

func (s *Server) xmlStackLocked(st *stack) xmlStack {
	x := xmlStack{
		StackId: st.ID, StackName: st.Name, ChangeSetId: st.LastChangeSetID,
		Parameters: xmlParams(st.Params), CreationTime: awsTime(st.Created),
		LastUpdatedTime: awsTime(st.Updated), DeletionTime: awsTime(st.Deleted),
		StackStatus: st.Status, StackStatusReason: st.Reason, DisableRollback: st.DisableRollback,
		Capabilities: st.Capabilities, Tags: xmlTags(st.Tags),
		EnableTerminationProtection: st.TerminationProtection,
		DriftInformation:            xmlDrift{StackDriftStatus: st.driftStatus()},
	}
	if st.lastDrift != nil {
		x.DriftInformation.LastCheckTimestamp = awsTime(st.lastDrift.Time)
	}
	if st.Template != nil {
		x.Description = st.Template.Description
	}
	for _, o := range st.Outputs {
		x.Outputs = append(x.Outputs, xmlOutput{OutputKey: o.Key, OutputValue: o.Value, Description: o.Description, ExportName: o.ExportName})
	}
	return x
}

// pageToken encodes a position as an opaque NextToken.
func pageToken(n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("cfnlocal:" + strconv.FormatInt(n, 10)))
}

func parsePageToken(tok string) (int64, *apiError) {
	if tok == "" {
		return -1, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), "cfnlocal:") {
		return 0, validationError("Invalid NextToken")
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(string(b), "cfnlocal:"), 10, 64)
	if err != nil || n < 0 {
		return 0, validationError("Invalid NextToken")
	}
	return n, nil
}

// pageRequest reads the StackName and NextToken of a paged call on a stack;
// from is -1 without a token.
func pageRequest(f form) (name string, from int64, aerr *apiError) {
	name = f.get("StackName")
	if name == "" {
		return "", 0, checkName("stackName", name)
	}
	from, aerr = parsePageToken(f.get("NextToken"))
	return name, from, aerr
}

// describeStackEvents returns events newest first. The NextToken holds the
// sequence number to continue from, so pages stay consistent while new
// events arrive.
func (s *Server) describeStackEvents(_ context.Context, f form) (any, *apiError) {
	name, from, aerr := pageRequest(f)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findStackLocked(name)
	if st == nil {
		return nil, stackNotFound(name)
	}
	res := describeStackEventsResult{StackEvents: []xmlEvent{}}
	for i := len(st.Events) - 1; i >= 0; i-- {
		e := st.Events[i]
		if from >= 0 && e.Seq > from {
			continue
		}
		if len(res.StackEvents) == pageSize {
			res.NextToken = pageToken(e.Seq)
			break
		}
		res.StackEvents = append(res.StackEvents, xmlEvent{
			StackId: st.ID, EventId: e.ID, StackName: st.Name, LogicalResourceId: e.LogicalID,
			PhysicalResourceId: e.PhysicalID, ResourceType: e.ResourceType, Timestamp: awsTime(e.Time),
			ResourceStatus: e.Status, ResourceStatusReason: e.Reason, ResourceProperties: e.Properties,
			ClientRequestToken: e.Token,
		})
	}
	return res, nil
}

// stackResourcesLocked lists a stack's resources by logical ID.
func stackResourcesLocked(st *stack) []*resourceState {
	out := make([]*resourceState, 0, len(st.Resources))
	for _, id := range slices.Sorted(maps.Keys(st.Resources)) {
		out = append(out, st.Resources[id])
	}
	return out
}

func (s *Server) describeStackResources(_ context.Context, f form) (any, *apiError) {
	name, phys, logical := f.get("StackName"), f.get("PhysicalResourceId"), f.get("LogicalResourceId")
	s.mu.Lock()
	defer s.mu.Unlock()
	var st *stack
	switch {
	case name != "":
		st = s.findStackLocked(name)
		if st == nil {
			return nil, stackNotFound(name)
		}
	case phys != "":
		for _, x := range s.stacks {
			for _, r := range x.Resources {
				if r.PhysicalID == phys {
					st = x
				}
			}
		}
		if st == nil {
			return nil, stackNotFound(phys)
		}
	default:
		return nil, validationError("Either StackName or PhysicalResourceId must be specified.")
	}
	res := describeStackResourcesResult{StackResources: []xmlStackResource{}}
	for _, r := range stackResourcesLocked(st) {
		if logical != "" && r.LogicalID != logical {
			continue
		}
		res.StackResources = append(res.StackResources, xmlStackResource{
			StackName: st.Name, StackId: st.ID, LogicalResourceId: r.LogicalID, PhysicalResourceId: r.PhysicalID,
			ResourceType: r.Type, Timestamp: awsTime(r.Updated), ResourceStatus: r.Status, ResourceStatusReason: r.Reason,
		})
	}
	return res, nil
}

func (s *Server) listStackResources(_ context.Context, f form) (any, *apiError) {
	name, from, aerr := pageRequest(f)
	if aerr != nil {
		return nil, aerr
	}
	if from < 0 {
		from = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findStackLocked(name)
	if st == nil {
		return nil, stackNotFound(name)
	}
	all := stackResourcesLocked(st)
	res := listStackResourcesResult{StackResourceSummaries: []xmlResourceSummary{}}
	for i := int(min(from, int64(len(all)))); i < len(all); i++ {
		if len(res.StackResourceSummaries) == pageSize {
			res.NextToken = pageToken(int64(i))
			break
		}
		r := all[i]
		res.StackResourceSummaries = append(res.StackResourceSummaries, xmlResourceSummary{
			LogicalResourceId: r.LogicalID, PhysicalResourceId: r.PhysicalID, ResourceType: r.Type,
			LastUpdatedTimestamp: awsTime(r.Updated), ResourceStatus: r.Status, ResourceStatusReason: r.Reason,
		})
	}
	return res, nil
}

func (s *Server) getTemplate(_ context.Context, f form) (any, *apiError) {
	name, csName := f.get("StackName"), f.get("ChangeSetName")
	s.mu.Lock()
	defer s.mu.Unlock()
	if csName != "" {
		cs, _, aerr := s.findChangeSetLocked(csName, name)
		if aerr != nil {
			return nil, aerr
		}
		return getTemplateResult{TemplateBody: cs.Template.Body, StagesAvailable: []string{"Original", "Processed"}}, nil
	}
	if name == "" {
		return nil, checkName("stackName", name)
	}
	st := s.findStackLocked(name)
	if st == nil {
		return nil, stackNotFound(name)
	}
	if st.Template == nil {
		return nil, validationError("Stack [%s] has no template: it is in %s state.", st.Name, st.Status)
	}
	return getTemplateResult{TemplateBody: st.Template.Body, StagesAvailable: []string{"Original", "Processed"}}, nil
}

func (s *Server) continueUpdateRollback(_ context.Context, f form) (any, *apiError) {
	name := f.get("StackName")
	if name == "" {
		return nil, checkName("stackName", name)
	}
	skip := map[string]bool{}
	for _, id := range f.list("ResourcesToSkip.member") {
		skip[id] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findStackLocked(name)
	if st == nil {
		return nil, stackNotFound(name)
	}
	if st.Status != "UPDATE_ROLLBACK_FAILED" || st.rollback == nil {
		return nil, validationError("Stack [%s] is in %s state and can not continue update rollback.", st.ID, st.Status)
	}
	for id := range skip {
		found := false
		for _, p := range st.rollback.Pending {
			found = found || p == id
		}
		if !found {
			return nil, validationError("Resource [%s] is not in a state that can be skipped: only resources left in UPDATE_FAILED by the rollback can be skipped.", id)
		}
	}
	st.Token = f.get("ClientRequestToken")
	s.setStackStatusLocked(st, "UPDATE_ROLLBACK_IN_PROGRESS", "User Initiated")
	s.startOpLocked(func(ctx context.Context) { s.continueRollback(ctx, st, skip) })
	return struct{}{}, nil
}

func (s *Server) updateTerminationProtection(_ context.Context, f form) (any, *apiError) {
	name := f.get("StackName")
	if name == "" {
		return nil, checkName("stackName", name)
	}
	if !f.has("EnableTerminationProtection") {
		return nil, validationError("1 validation error detected: Value null at 'enableTerminationProtection' failed to satisfy constraint: Member must not be null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findStackLocked(name)
	if st == nil || st.Status == "DELETE_COMPLETE" {
		return nil, stackNotFound(name)
	}
	st.TerminationProtection = f.bool("EnableTerminationProtection")
	return stackIDResult{StackId: st.ID}, nil
}
