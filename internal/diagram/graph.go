// Package diagram draws a rendered CloudFormation template as a graph: its resources (and parameters) as nodes,
// grouped by what they are for, and their references (Ref, Fn::GetAtt, Fn::Sub, DependsOn) as edges. It reads
// the template body that render.Result.Body holds and writes DOT, Mermaid or SVG; it does no I/O of its own.
package diagram

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// EdgeKind says how one resource refers to another.
type EdgeKind string

// The kinds of references drawn, each in its own style.
const (
	Ref       EdgeKind = "Ref"
	GetAtt    EdgeKind = "Fn::GetAtt"
	Sub       EdgeKind = "Fn::Sub"
	DependsOn EdgeKind = "DependsOn"
)

// Node is a resource or a parameter of the template.
type Node struct {
	ID   string // the logical ID
	Type string // the resource type, e.g. AWS::ECS::Service, or "Parameter"
}

// Edge goes from the resource that refers to the node it refers to.
type Edge struct {
	From, To string
	Kind     EdgeKind
}

// Group is a set of nodes drawn together.
type Group struct {
	Kind  GroupKind
	Name  string // the compose service of a service group; empty otherwise
	Nodes []Node // sorted by ID
}

// Label is the group's title in a drawing.
func (g Group) Label() string {
	if g.Kind == ServiceGroup {
		return "service " + g.Name
	}
	return string(g.Kind)
}

// Graph is a template as a diagram: groups in a fixed order (see GroupKind), edges sorted.
type Graph struct {
	Groups []Group
	Edges  []Edge
}

// template is the part of a CloudFormation template a diagram reads.
type template struct {
	Parameters map[string]json.RawMessage `json:"Parameters"`
	Resources  map[string]struct {
		Type       string `json:"Type"`
		Properties any    `json:"Properties"`
		DependsOn  any    `json:"DependsOn"`
	} `json:"Resources"`
}

// FromTemplate builds the graph of a template body in JSON.
func FromTemplate(body []byte) (*Graph, error) {
	var t template
	if err := json.Unmarshal(body, &t); err != nil {
		return nil, fmt.Errorf("reading the template: %w", err)
	}
	if len(t.Resources) == 0 {
		return nil, fmt.Errorf("the template has no resources")
	}
	known := make(map[string]bool, len(t.Resources)+len(t.Parameters))
	for _, id := range slices.Concat(slices.Collect(maps.Keys(t.Parameters)), slices.Collect(maps.Keys(t.Resources))) {
		// The renderer's check allows no other logical IDs; Mermaid's node IDs rely on it.
		if !isLogicalID(id) {
			return nil, fmt.Errorf("%q: a logical ID takes only letters and digits", id)
		}
		known[id] = true
	}

	edges := map[Edge]bool{}
	add := func(from, to string, kind EdgeKind) {
		// Pseudo parameters (AWS::Region), imports and names of things outside the template are not drawn.
		if known[to] && to != from {
			edges[Edge{From: from, To: to, Kind: kind}] = true
		}
	}
	var resources []resource
	for id, r := range t.Resources {
		walkRefs(r.Properties, func(to string, kind EdgeKind) { add(id, to, kind) })
		for _, to := range dependsOn(r.DependsOn) {
			add(id, to, DependsOn)
		}
		resources = append(resources, resource{id: id, typ: r.Type, service: serviceTag(r.Properties)})
	}

	g := &Graph{Groups: groupNodes(resources, slices.Sorted(maps.Keys(t.Parameters)))}
	for e := range edges {
		g.Edges = append(g.Edges, e)
	}
	sort.Slice(g.Edges, func(i, j int) bool {
		a, b := g.Edges[i], g.Edges[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		return a.Kind < b.Kind
	})
	return g, nil
}

// dependsOn reads a DependsOn attribute: one logical ID or a list of them.
func dependsOn(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func isLogicalID(id string) bool {
	const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	return id != "" && strings.Trim(id, alphanumeric) == ""
}

// shortType drops the AWS:: prefix that every resource type of a rendered template shares.
func shortType(t string) string { return strings.TrimPrefix(t, "AWS::") }
