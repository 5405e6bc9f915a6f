package cfnlocal

import (
	"context"
	"maps"
	"slices"
)

// The read-only calls the AWS CLI makes around a deployment: validate-template, get-template-summary,
// list-stacks, list-exports and describe-stack-resource.

type xmlParameterDeclaration struct {
	ParameterKey  string
	DefaultValue  string `xml:",omitempty"`
	ParameterType string `xml:",omitempty"`
	NoEcho        bool
	Description   string   `xml:",omitempty"`
	AllowedValues []string `xml:"ParameterConstraints>AllowedValues>member,omitempty"`
}

type validateTemplateResult struct {
	Parameters         []xmlParameterDeclaration `xml:"Parameters>member"`
	Description        string                    `xml:",omitempty"`
	Capabilities       []string                  `xml:"Capabilities>member,omitempty"`
	CapabilitiesReason string                    `xml:",omitempty"`
}

type getTemplateSummaryResult struct {
	Parameters         []xmlParameterDeclaration `xml:"Parameters>member"`
	Description        string                    `xml:",omitempty"`
	Capabilities       []string                  `xml:"Capabilities>member,omitempty"`
	CapabilitiesReason string                    `xml:",omitempty"`
	ResourceTypes      []string                  `xml:"ResourceTypes>member"`
	Version            string
}

type xmlStackSummary struct {
	StackId             string
	StackName           string
	TemplateDescription string `xml:",omitempty"`
	CreationTime        string
	LastUpdatedTime     string `xml:",omitempty"`
	DeletionTime        string `xml:",omitempty"`
	StackStatus         string
	StackStatusReason   string `xml:",omitempty"`
}

type listStacksResult struct {
	StackSummaries []xmlStackSummary `xml:"StackSummaries>member"`
	NextToken      string            `xml:",omitempty"`
}

type xmlExport struct {
	ExportingStackId string
	Name             string
	Value            string
}

type listExportsResult struct {
	Exports   []xmlExport `xml:"Exports>member"`
	NextToken string      `xml:",omitempty"`
}

type xmlStackResourceDetail struct {
	StackName            string
	StackId              string
	LogicalResourceId    string
	PhysicalResourceId   string `xml:",omitempty"`
	ResourceType         string
	LastUpdatedTimestamp string
	ResourceStatus       string
	ResourceStatusReason string `xml:",omitempty"`
}

type describeStackResourceResult struct {
	StackResourceDetail xmlStackResourceDetail
}

// declarations lists a template's parameters in declaration order.
func declarations(t *template) []xmlParameterDeclaration {
	out := []xmlParameterDeclaration{}
	for _, k := range t.ParamOrder {
		p := t.Parameters[k]
		d := xmlParameterDeclaration{ParameterKey: k, ParameterType: p.Type, NoEcho: p.NoEcho, Description: p.Description, AllowedValues: p.AllowedValues}
		if p.Default != nil {
			d.DefaultValue = *p.Default
		}
		out = append(out, d)
	}
	return out
}

// capabilities says which capability a template needs, and why, as ValidateTemplate reports it.
func capabilities(t *template) ([]string, string) {
	need := requiredCapability(t)
	if need == "" {
		return nil, ""
	}
	return []string{need}, "The following resource(s) require capabilities: IAM resources"
}

func (s *Server) validateTemplate(ctx context.Context, f form) (any, *apiError) {
	t, aerr := s.templateInput(ctx, f, nil)
	if aerr != nil {
		return nil, aerr
	}
	res := validateTemplateResult{Parameters: declarations(t), Description: t.Description}
	res.Capabilities, res.CapabilitiesReason = capabilities(t)
	return res, nil
}

func (s *Server) getTemplateSummary(ctx context.Context, f form) (any, *apiError) {
	var t *template
	if name := f.get("StackName"); name != "" {
		s.mu.Lock()
		st := s.findStackLocked(name)
		if st != nil {
			t = st.Template
		}
		s.mu.Unlock()
		if t == nil {
			return nil, stackNotFound(name)
		}
	} else {
		var aerr *apiError
		if t, aerr = s.templateInput(ctx, f, nil); aerr != nil {
			return nil, aerr
		}
	}
	res := getTemplateSummaryResult{Parameters: declarations(t), Description: t.Description, Version: "2010-09-09", ResourceTypes: []string{}}
	res.Capabilities, res.CapabilitiesReason = capabilities(t)
	seen := map[string]bool{}
	for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
		if typ := t.Resources[id].Type; !seen[typ] {
			seen[typ] = true
			res.ResourceTypes = append(res.ResourceTypes, typ)
		}
	}
	return res, nil
}

// listStacks lists live stacks, newest first, then deleted ones, filtered by StackStatusFilter.
func (s *Server) listStacks(_ context.Context, f form) (any, *apiError) {
	from, aerr := parsePageToken(f.get("NextToken"))
	if aerr != nil {
		return nil, aerr
	}
	from = max(from, 0)
	filter := map[string]bool{}
	for _, st := range f.list("StackStatusFilter.member") {
		filter[st] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*stack
	for i := len(s.stacks) - 1; i >= 0; i-- {
		all = append(all, s.stacks[i])
	}
	for i := len(s.deleted) - 1; i >= 0; i-- {
		all = append(all, s.deleted[i])
	}
	res := listStacksResult{StackSummaries: []xmlStackSummary{}}
	for i := int(min(from, int64(len(all)))); i < len(all); i++ {
		st := all[i]
		if len(filter) > 0 && !filter[st.Status] {
			continue
		}
		if len(res.StackSummaries) == pageSize {
			res.NextToken = pageToken(int64(i))
			break
		}
		sum := xmlStackSummary{
			StackId: st.ID, StackName: st.Name, CreationTime: awsTime(st.Created), LastUpdatedTime: awsTime(st.Updated),
			DeletionTime: awsTime(st.Deleted), StackStatus: st.Status, StackStatusReason: st.Reason,
		}
		if st.Template != nil {
			sum.TemplateDescription = st.Template.Description
		}
		res.StackSummaries = append(res.StackSummaries, sum)
	}
	return res, nil
}

func (s *Server) listExports(_ context.Context, f form) (any, *apiError) {
	from, aerr := parsePageToken(f.get("NextToken"))
	if aerr != nil {
		return nil, aerr
	}
	from = max(from, 0)
	s.mu.Lock()
	defer s.mu.Unlock()
	names := slices.Sorted(maps.Keys(s.exports))
	res := listExportsResult{Exports: []xmlExport{}}
	for i := int(min(from, int64(len(names)))); i < len(names); i++ {
		if len(res.Exports) == pageSize {
			res.NextToken = pageToken(int64(i))
			break
		}
		e := s.exports[names[i]]
		res.Exports = append(res.Exports, xmlExport{ExportingStackId: e.StackID, Name: names[i], Value: e.Value})
	}
	return res, nil
}

func (s *Server) describeStackResource(_ context.Context, f form) (any, *apiError) {
	name, logical := f.get("StackName"), f.get("LogicalResourceId")
	if name == "" {
		return nil, checkName("stackName", name)
	}
	if logical == "" {
		return nil, validationError("1 validation error detected: Value null at 'logicalResourceId' failed to satisfy constraint: Member must not be null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findStackLocked(name)
	if st == nil {
		return nil, stackNotFound(name)
	}
	r := st.Resources[logical]
	if r == nil {
		return nil, validationError("Resource %s does not exist for stack %s", logical, st.Name)
	}
	return describeStackResourceResult{StackResourceDetail: xmlStackResourceDetail{
		StackName: st.Name, StackId: st.ID, LogicalResourceId: r.LogicalID, PhysicalResourceId: r.PhysicalID,
		ResourceType: r.Type, LastUpdatedTimestamp: awsTime(r.Updated), ResourceStatus: r.Status, ResourceStatusReason: r.Reason,
	}}, nil
}
