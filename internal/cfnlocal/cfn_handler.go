package cfnlocal

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// cfnHandler serves one CloudFormation action.
type cfnHandler func(s *Server, ctx context.Context, f form) (any, *apiError)

// cfnHandlers are the supported actions.
var cfnHandlers = map[string]cfnHandler{
	"CreateStack":                 (*Server).createStack,
	"DeleteStack":                 (*Server).deleteStack,
	"DescribeStacks":              (*Server).describeStacks,
	"DescribeStackEvents":         (*Server).describeStackEvents,
	"DescribeStackResources":      (*Server).describeStackResources,
	"ListStackResources":          (*Server).listStackResources,
	"GetTemplate":                 (*Server).getTemplate,
	"ContinueUpdateRollback":      (*Server).continueUpdateRollback,
	"UpdateTerminationProtection": (*Server).updateTerminationProtection,
	"CreateChangeSet":             (*Server).createChangeSet,
	"DescribeChangeSet":           (*Server).describeChangeSet,
	"ExecuteChangeSet":            (*Server).executeChangeSet,
	"DeleteChangeSet":             (*Server).deleteChangeSet,
	"ListChangeSets":              (*Server).listChangeSets,
	"UpdateStack":                 (*Server).updateStack,
	"ValidateTemplate":            (*Server).validateTemplate,
	"GetTemplateSummary":          (*Server).getTemplateSummary,
	"ListStacks":                  (*Server).listStacks,
	"ListExports":                 (*Server).listExports,
	"DescribeStackResource":       (*Server).describeStackResource,
	"DetectStackDrift":            (*Server).detectStackDrift,

	"DescribeStackDriftDetectionStatus": (*Server).describeStackDriftDetectionStatus,
	"DescribeStackResourceDrifts":       (*Server).describeStackResourceDrifts,
}

// serveCloudFormation decodes a query-protocol call and dispatches it.
func (s *Server) serveCloudFormation(w http.ResponseWriter, r *http.Request) {
	id := s.requestID()
	if r.Method != http.MethodPost {
		writeQueryError(w, id, senderError(codeInvalidAction, "CloudFormation only accepts POST requests"))
		return
	}
	if err := r.ParseForm(); err != nil {
		writeQueryError(w, id, senderError("MalformedQueryString", "cannot parse request: %s", err.Error()))
		return
	}
	f := form(r.PostForm)
	action := f.get("Action")
	h, known := cfnHandlers[action]
	op := action
	if !known {
		op = "UnknownOperation"
	}
	fault, done := s.answerQueryFault(w, r, op, id, writeQueryError)
	if done {
		return
	}
	if known && !s.limits.allow(op) {
		s.countCall(op, codeThrottling)
		writeQueryError(w, id, senderError(codeThrottling, "Rate exceeded"))
		return
	}
	var result any
	var aerr *apiError
	switch {
	case action == "":
		aerr = senderError(codeMissingAction, "Missing Action")
	case !known:
		aerr = senderError(codeInvalidAction, "Could not find operation %s for version %s", action, cfnVersion)
	case f.get("Version") != "" && f.get("Version") != cfnVersion:
		aerr = senderError(codeInvalidAction, "Could not find operation %s for version %s", action, f.get("Version"))
	default:
		key := tokenKey(action, f)
		if prev, ok := s.tokenResult(key); ok {
			result = prev
			break
		}
		result, aerr = h(s, r.Context(), f)
		if aerr == nil {
			s.rememberToken(key, result)
		}
	}
	if fault == FaultDropResponse {
		s.countCall(op, "DroppedResponse")
		dropConnection(w)
		return
	}
	if aerr != nil {
		s.countCall(op, aerr.Code)
		writeQueryError(w, id, aerr)
		return
	}
	s.countCall(op, "OK")
	writeQueryResult(w, cfnNamespace, action, id, result)
}

var namePattern = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]*$`)

// checkName validates a stack or change set name the way the API does.
func checkName(field, v string) *apiError {
	if v == "" {
		return validationError("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	if len(v) > 128 || !namePattern.MatchString(v) {
		return validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", v, field)
	}
	return nil
}

// findStackLocked finds a live stack by name or ARN, or a deleted one by
// ARN, as CloudFormation resolves StackName.
func (s *Server) findStackLocked(nameOrID string) *stack {
	if strings.HasPrefix(nameOrID, "arn:") {
		for _, st := range s.stacks {
			if st.ID == nameOrID {
				return st
			}
		}
		for _, st := range s.deleted {
			if st.ID == nameOrID {
				return st
			}
		}
		return nil
	}
	for _, st := range s.stacks {
		if st.Name == nameOrID {
			return st
		}
	}
	return nil
}

// newStackLocked registers a new stack.
func (s *Server) newStackLocked(name string) *stack {
	n := s.nextSeq()
	id := fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%08x-%04x-4000-8000-%012x", s.opts.Region, s.opts.AccountID, name, uint32(n*2654435761), uint16(n), n)
	st := &stack{ID: id, Name: name, Created: time.Now(), Resources: map[string]*resourceState{}, Imports: map[string]bool{}}
	s.stacks = append(s.stacks, st)
	return st
}

// templateInput reads TemplateBody, TemplateURL or UsePreviousTemplate and
// parses the template (running cfn-lint when configured).
func (s *Server) templateInput(ctx context.Context, f form, previous func() (*template, *apiError)) (*template, *apiError) {
	body, urlStr, usePrev := f.get("TemplateBody"), f.get("TemplateURL"), f.bool("UsePreviousTemplate")
	given := 0
	for _, b := range []bool{body != "", urlStr != "", usePrev} {
		if b {
			given++
		}
	}
	if given != 1 {
		return nil, validationError("Specify exactly one of TemplateBody, TemplateURL or UsePreviousTemplate.")
	}
	if usePrev {
		if previous == nil {
			return nil, validationError("UsePreviousTemplate can only be used for an existing stack.")
		}
		return previous()
	}
	if urlStr != "" {
		b, aerr := s.readTemplateURL(urlStr)
		if aerr != nil {
			return nil, aerr
		}
		body = b
	}
	if aerr := checkBodySize(body, urlStr != ""); aerr != nil {
		return nil, aerr
	}
	if aerr := checkParameterInputs(f); aerr != nil {
		return nil, aerr
	}
	t, err := parseTemplate(body)
	if err != nil {
		return nil, validationError("%s", err.Error())
	}
	if aerr := checkTemplateCounts(t); aerr != nil {
		return nil, aerr
	}
	if s.opts.LintTemplates {
		if aerr := s.lintTemplate(ctx, body); aerr != nil {
			return nil, aerr
		}
	}
	return t, nil
}

// checkCapabilities rejects IAM resources created without acknowledgement.
func checkCapabilities(t *template, caps []string) *apiError {
	need := requiredCapability(t)
	if need == "" {
		return nil
	}
	for _, c := range caps {
		if c == need || c == "CAPABILITY_NAMED_IAM" {
			return nil
		}
	}
	return senderError(codeInsufficientCapability, "Requires capabilities : [%s]", need)
}

func parseTags(f form) []tag {
	var out []tag
	for _, m := range f.structs("Tags.member") {
		out = append(out, tag{Key: m["Key"], Value: m["Value"]})
	}
	return out
}

// inProgressError is the message for an operation on a busy (or otherwise
// not updatable) stack.
func notUpdatable(st *stack) *apiError {
	return validationError("Stack:%s is in %s state and can not be updated.", st.ID, st.Status)
}
