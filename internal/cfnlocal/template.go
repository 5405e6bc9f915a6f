package cfnlocal

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/composestack/composestack/internal/cfnyaml"
)

// template is a parsed and structurally validated CloudFormation template.
type template struct {
	Body        string
	Description string
	Parameters  map[string]paramDef
	ParamOrder  []string
	Mappings    map[string]any
	Conditions  map[string]any
	Resources   map[string]resourceDef
	Outputs     map[string]outputDef
}

// resourceDef is one entry of the Resources section.
type resourceDef struct {
	Type           string
	Properties     map[string]any
	DependsOn      []string
	Condition      string
	DeletionPolicy string
	// UpdateReplacePolicy decides what happens to the old physical resource
	// when an update replaces it.
	UpdateReplacePolicy string
	// Metadata is the resource's Metadata attribute as written: a change to it
	// alone updates the resource without touching it.
	Metadata any
}

// outputDef is one entry of the Outputs section.
type outputDef struct {
	Description string
	Value       any
	ExportName  any
	Condition   string
}

// paramDef is one entry of the Parameters section.
type paramDef struct {
	Type           string
	Default        *string
	AllowedValues  []string
	AllowedPattern string
	NoEcho         bool
	Description    string
}

// parseTemplate parses a body and checks what CloudFormation checks before
// it accepts a template: the sections' shapes, that every reference points at
// something declared, and that resources do not depend on each other in a
// cycle. Errors carry AWS's wording.
func parseTemplate(body string) (*template, error) {
	doc, err := parseDocument(body)
	if err != nil {
		return nil, fmt.Errorf("Template format error: %w", err)
	}
	t := &template{Body: body, Parameters: map[string]paramDef{}, Resources: map[string]resourceDef{}, Outputs: map[string]outputDef{}}
	if d, ok := doc["Description"].(string); ok {
		t.Description = d
	}
	// Macros would have to run before anything else is evaluated; refusing
	// them is better than evaluating an unexpanded template.
	if tr, ok := doc["Transform"]; ok {
		return nil, fmt.Errorf("Template format error: cfnlocal does not process Transform %v", tr)
	}
	if m, ok := doc["Mappings"].(map[string]any); ok {
		t.Mappings = m
	}
	if c, ok := doc["Conditions"].(map[string]any); ok {
		t.Conditions = c
	}
	if err := t.parseParameters(doc["Parameters"]); err != nil {
		return nil, err
	}
	rs, ok := doc["Resources"].(map[string]any)
	if !ok || len(rs) == 0 {
		return nil, fmt.Errorf("Template format error: At least one Resources member must be defined.")
	}
	for id, raw := range rs {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Template format error: [/Resources/%s] Every Resources object must contain a Type member.", id)
		}
		typ, _ := m["Type"].(string)
		if typ == "" {
			return nil, fmt.Errorf("Template format error: [/Resources/%s] Every Resources object must contain a Type member.", id)
		}
		rd := resourceDef{Type: typ}
		if p, ok := m["Properties"].(map[string]any); ok {
			rd.Properties = p
		} else if m["Properties"] != nil {
			return nil, fmt.Errorf("Template format error: [/Resources/%s/Properties] Every Properties member must be an object.", id)
		}
		switch d := m["DependsOn"].(type) {
		case string:
			rd.DependsOn = []string{d}
		case []any:
			for _, x := range d {
				s, ok := x.(string)
				if !ok {
					return nil, fmt.Errorf("Template format error: [/Resources/%s/DependsOn] DependsOn must be a string or a list of strings.", id)
				}
				rd.DependsOn = append(rd.DependsOn, s)
			}
		case nil:
		default:
			return nil, fmt.Errorf("Template format error: [/Resources/%s/DependsOn] DependsOn must be a string or a list of strings.", id)
		}
		rd.Condition, _ = m["Condition"].(string)
		rd.DeletionPolicy, _ = m["DeletionPolicy"].(string)
		rd.UpdateReplacePolicy, _ = m["UpdateReplacePolicy"].(string)
		rd.Metadata = m["Metadata"]
		t.Resources[id] = rd
	}
	if os, ok := doc["Outputs"].(map[string]any); ok {
		for id, raw := range os {
			m, ok := raw.(map[string]any)
			if !ok || m["Value"] == nil {
				return nil, fmt.Errorf("Template format error: Every Outputs member must contain a Value object, the Output [%s] is missing the Value object.", id)
			}
			od := outputDef{Value: m["Value"]}
			od.Description, _ = m["Description"].(string)
			od.Condition, _ = m["Condition"].(string)
			if e, ok := m["Export"].(map[string]any); ok {
				od.ExportName = e["Name"]
			}
			t.Outputs[id] = od
		}
	}
	if err := t.checkReferences(); err != nil {
		return nil, err
	}
	if _, err := t.order(nil); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *template) parseParameters(raw any) error {
	ps, ok := raw.(map[string]any)
	if !ok {
		return nil
	}
	for name, v := range ps {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("Template format error: Every Parameters object must contain a Type member.")
		}
		typ, _ := m["Type"].(string)
		if typ == "" {
			return fmt.Errorf("Template format error: Every Parameters object must contain a Type member.")
		}
		pd := paramDef{Type: typ}
		if d, ok := m["Default"]; ok && d != nil {
			s := scalarString(d)
			pd.Default = &s
		}
		if av, ok := m["AllowedValues"].([]any); ok {
			for _, x := range av {
				pd.AllowedValues = append(pd.AllowedValues, scalarString(x))
			}
		}
		pd.AllowedPattern, _ = m["AllowedPattern"].(string)
		pd.Description, _ = m["Description"].(string)
		switch ne := m["NoEcho"].(type) {
		case bool:
			pd.NoEcho = ne
		case string:
			pd.NoEcho = strings.EqualFold(ne, "true")
		}
		t.Parameters[name] = pd
		t.ParamOrder = append(t.ParamOrder, name)
	}
	sort.Strings(t.ParamOrder)
	return nil
}

// pseudoParams are the Ref targets CloudFormation defines itself.
var pseudoParams = map[string]bool{
	"AWS::Region": true, "AWS::AccountId": true, "AWS::StackName": true, "AWS::StackId": true,
	"AWS::Partition": true, "AWS::URLSuffix": true, "AWS::NoValue": true, "AWS::NotificationARNs": true,
}

// checkReferences reports Ref, GetAtt, Sub and DependsOn targets that are not
// declared, per section, the way CloudFormation words it.
func (t *template) checkReferences() error {
	var missing []string
	seen := map[string]bool{}
	note := func(name string) {
		if !seen[name] {
			seen[name] = true
			missing = append(missing, name)
		}
	}
	check := func(refs []string, allowParams bool) {
		for _, r := range refs {
			if _, ok := t.Resources[r]; ok {
				continue
			}
			if _, ok := t.Parameters[r]; ok && allowParams {
				continue
			}
			if pseudoParams[r] {
				continue
			}
			note(r)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
		rd := t.Resources[id]
		check(collectRefs(rd.Properties), true)
		check(collectGetAtts(rd.Properties), false)
		check(rd.DependsOn, false)
		if rd.Condition != "" {
			if _, ok := t.Conditions[rd.Condition]; !ok {
				return fmt.Errorf("Template format error: Unresolved dependencies [%s]. Cannot reference resources in the Conditions block of the template", rd.Condition)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", strings.Join(missing, ", "))
	}
	for _, id := range slices.Sorted(maps.Keys(t.Outputs)) {
		od := t.Outputs[id]
		check(collectRefs(od.Value), true)
		check(collectGetAtts(od.Value), false)
		check(collectRefs(od.ExportName), true)
		if od.Condition != "" {
			if _, ok := t.Conditions[od.Condition]; !ok {
				return fmt.Errorf("Template format error: Unresolved dependencies [%s]. Cannot reference resources in the Conditions block of the template", od.Condition)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("Template format error: Unresolved resource dependencies [%s] in the Outputs block of the template", strings.Join(missing, ", "))
	}
	for _, name := range slices.Sorted(maps.Keys(t.Conditions)) {
		for _, r := range collectRefs(t.Conditions[name]) {
			if _, ok := t.Parameters[r]; !ok && !pseudoParams[r] {
				return fmt.Errorf("Template format error: Unresolved dependencies [%s]. Cannot reference resources in the Conditions block of the template", r)
			}
		}
	}
	return nil
}

// dependencies lists the resources a resource depends on: DependsOn plus
// every Ref, GetAtt and Sub reference to another resource.
func (t *template) dependencies(id string) []string {
	rd := t.Resources[id]
	set := map[string]bool{}
	for _, d := range rd.DependsOn {
		set[d] = true
	}
	for _, r := range collectRefs(rd.Properties) {
		set[r] = true
	}
	for _, r := range collectGetAtts(rd.Properties) {
		set[r] = true
	}
	var out []string
	for d := range set {
		if _, ok := t.Resources[d]; ok && d != id {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// order sorts the resources (restricted to active ones when active is not
// nil) into waves: every resource's dependencies are in earlier waves, so a
// wave's members can be worked on together, as CloudFormation does in
// parallel. A cycle is reported with the resources that take part in it.
func (t *template) order(active map[string]bool) ([][]string, error) {
	indeg := map[string]int{}
	users := map[string][]string{}
	for id := range t.Resources {
		if active != nil && !active[id] {
			continue
		}
		indeg[id] += 0
		for _, d := range t.dependencies(id) {
			if active != nil && !active[d] {
				continue
			}
			indeg[id]++
			users[d] = append(users[d], id)
		}
	}
	var waves [][]string
	done := 0
	var ready []string
	for id, n := range indeg {
		if n == 0 {
			ready = append(ready, id)
		}
	}
	for len(ready) > 0 {
		sort.Strings(ready)
		waves = append(waves, ready)
		done += len(ready)
		var next []string
		for _, id := range ready {
			for _, u := range users[id] {
				indeg[u]--
				if indeg[u] == 0 {
					next = append(next, u)
				}
			}
		}
		ready = next
	}
	if done != len(indeg) {
		var cyc []string
		for id, n := range indeg {
			if n > 0 {
				cyc = append(cyc, id)
			}
		}
		sort.Strings(cyc)
		return nil, fmt.Errorf("Circular dependency between resources: [%s]", strings.Join(cyc, ", "))
	}
	return waves, nil
}

// collectRefs finds Ref targets and ${Name} references inside Fn::Sub.
func collectRefs(v any) []string {
	var out []string
	walk(v, func(fn string, arg any) {
		switch fn {
		case "Ref":
			if s, ok := arg.(string); ok {
				out = append(out, s)
			}
		case "Fn::Sub":
			str, vars := subArgs(arg)
			for _, name := range cfnyaml.SubVariables(str) {
				if _, local := vars[name]; local || strings.Contains(name, ".") {
					continue
				}
				out = append(out, name)
			}
		}
	})
	return out
}

// collectGetAtts finds Fn::GetAtt targets and ${Resource.Attr} in Fn::Sub.
func collectGetAtts(v any) []string {
	var out []string
	walk(v, func(fn string, arg any) {
		switch fn {
		case "Fn::GetAtt":
			if res, _, ok := getAttArgs(arg); ok {
				out = append(out, res)
			}
		case "Fn::Sub":
			str, vars := subArgs(arg)
			for _, name := range cfnyaml.SubVariables(str) {
				if _, local := vars[name]; local {
					continue
				}
				if res, _, ok := strings.Cut(name, "."); ok {
					out = append(out, res)
				}
			}
		}
	})
	return out
}

// walk calls fn for every single-key intrinsic map in v, depth first.
func walk(v any, fn func(name string, arg any)) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
					fn(k, arg)
				}
			}
		}
		for _, c := range x {
			walk(c, fn)
		}
	case []any:
		for _, c := range x {
			walk(c, fn)
		}
	}
}

// getAttArgs accepts both ["Res", "Attr"] and "Res.Attr".
func getAttArgs(arg any) (string, string, bool) {
	switch a := arg.(type) {
	case string:
		return strings.Cut(a, ".")
	case []any:
		if len(a) != 2 {
			return "", "", false
		}
		res, ok1 := a[0].(string)
		attr, ok2 := a[1].(string)
		return res, attr, ok1 && ok2
	}
	return "", "", false
}

// subArgs splits Fn::Sub's two forms into the string and its variable map.
func subArgs(arg any) (string, map[string]any) {
	switch a := arg.(type) {
	case string:
		return a, nil
	case []any:
		if len(a) == 2 {
			s, _ := a[0].(string)
			m, _ := a[1].(map[string]any)
			return s, m
		}
	}
	return "", nil
}
