package overlay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Sections are the top-level keys a CloudFormation template may hold. An overlay key outside this set is almost
// always a typo or a fragment pasted at the wrong depth (a resource without the Resources: wrapper), which would
// otherwise be sent to CloudFormation and fail there with a less helpful message.
var Sections = []string{
	"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
	"Mappings", "Conditions", "Transform", "Resources", "Outputs",
}

// shortForms maps a CloudFormation YAML short-form tag to the key of its long (JSON) form.
var shortForms = map[string]string{
	"!Ref":          "Ref",
	"!Condition":    "Condition",
	"!Base64":       "Fn::Base64",
	"!Cidr":         "Fn::Cidr",
	"!FindInMap":    "Fn::FindInMap",
	"!GetAtt":       "Fn::GetAtt",
	"!GetAZs":       "Fn::GetAZs",
	"!ImportValue":  "Fn::ImportValue",
	"!Join":         "Fn::Join",
	"!Select":       "Fn::Select",
	"!Split":        "Fn::Split",
	"!Sub":          "Fn::Sub",
	"!Transform":    "Fn::Transform",
	"!Length":       "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString",
	"!And":          "Fn::And",
	"!Equals":       "Fn::Equals",
	"!If":           "Fn::If",
	"!Not":          "Fn::Not",
	"!Or":           "Fn::Or",
}

// LongForm returns the long-form key ("Ref", "Fn::GetAtt", ...) of a CloudFormation YAML short-form tag
// ("!Ref", "!GetAtt", ...), and whether tag is one.
func LongForm(tag string) (string, bool) {
	fn, ok := shortForms[tag]
	return fn, ok
}

// SplitGetAtt splits the short-form !GetAtt argument "Resource.Attribute" at its first dot: attribute names
// may themselves hold dots (Endpoint.Address). It reports false when either part is missing.
func SplitGetAtt(s string) (resource, attribute string, ok bool) {
	resource, attribute, found := strings.Cut(s, ".")
	return resource, attribute, found && resource != "" && attribute != ""
}

const (
	// maxDepth bounds recursion so a hostile fragment cannot exhaust the stack.
	maxDepth = 256
	// maxNodes bounds the values produced, so aliases cannot expand a small input into a huge tree.
	maxNodes = 1 << 20
)

// Parse decodes a CloudFormation template fragment, YAML or JSON, into plain Go values (map[string]any, []any,
// string, bool, int, int64, float64 and nil). YAML short-form tags such as !Ref, !GetAtt and !Sub become their
// long form ({"Ref": ...}, {"Fn::GetAtt": [...]}, {"Fn::Sub": ...}) so that they merge like any other map and
// serialise as JSON. Empty input (or a lone null) yields an empty map: an overlay with nothing in it.
//
// The top level must be a map whose keys are CloudFormation template sections (see Sections).
func Parse(data []byte) (map[string]any, error) {
	var (
		v   any
		err error
	)
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		v, err = parseJSON(trimmed)
	} else {
		v, err = parseYAML(data)
	}
	if err != nil {
		return nil, err
	}
	if v == nil {
		return map[string]any{}, nil
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("overlay top level is a %s: write a map of template sections such as Resources or Outputs", kindOf(v))
	}
	for key := range doc {
		if !isSection(key) {
			return nil, fmt.Errorf("overlay top-level key %q is not a CloudFormation template section: use one of %s (resources go under Resources:)",
				key, strings.Join(Sections, ", "))
		}
	}
	return doc, nil
}

func isSection(key string) bool {
	for _, s := range Sections {
		if key == s {
			return true
		}
	}
	return false
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "string"
	default:
		return fmt.Sprintf("scalar (%T)", v)
	}
}

func parseJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("overlay is not valid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("overlay holds trailing data after the JSON object: give one object")
	}
	return fromJSON(v), nil
}

// fromJSON turns json.Number into int64 where it is integral so that integers keep their exact value.
func fromJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = fromJSON(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = fromJSON(e)
		}
		return t
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	default:
		return v
	}
}

func parseYAML(data []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("overlay is not valid YAML: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, fmt.Errorf("overlay is not valid YAML: %w", err)
		}
		return nil, errors.New("overlay holds more than one YAML document: merge them into one")
	}
	c := converter{}
	return c.value(&root, 0)
}

// converter walks a yaml.Node tree; nodes counts the values produced across aliases.
type converter struct {
	nodes int
}

func (c *converter) value(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("overlay line %d: nested deeper than %d levels", n.Line, maxDepth)
	}
	c.nodes++
	if c.nodes > maxNodes {
		return nil, fmt.Errorf("overlay expands to more than %d values (aliases?): simplify it", maxNodes)
	}
	tag := n.Tag
	if fn, ok := shortForms[tag]; ok {
		return c.intrinsic(n, fn, depth)
	}
	if strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		return nil, fmt.Errorf("overlay line %d: unknown tag %s: use a CloudFormation intrinsic such as !Ref or !Sub, or its Fn:: long form", n.Line, tag)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.value(n.Content[0], depth+1)
	case yaml.AliasNode:
		return c.value(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := c.value(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		return c.mapping(n, depth)
	case yaml.ScalarNode:
		return scalar(n)
	default:
		return nil, fmt.Errorf("overlay line %d: unexpected YAML node", n.Line)
	}
}

func (c *converter) mapping(n *yaml.Node, depth int) (map[string]any, error) {
	out := make(map[string]any, len(n.Content)/2)
	explicit := map[string]bool{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("overlay line %d: a map key must be a plain string", k.Line)
		}
		if explicit[k.Value] {
			return nil, fmt.Errorf("overlay line %d: key %q appears twice in the same map: keep one", k.Line, k.Value)
		}
		explicit[k.Value] = true
		val, err := c.value(v, depth+1)
		if err != nil {
			return nil, err
		}
		out[k.Value] = val
	}
	// YAML merge keys (<<: *anchor) fill in only keys the map does not set itself.
	for _, m := range merges {
		sources := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			sources = m.Content
		}
		for _, s := range sources {
			v, err := c.value(s, depth+1)
			if err != nil {
				return nil, err
			}
			sm, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("overlay line %d: a merge key (<<) must refer to a map", s.Line)
			}
			keys := make([]string, 0, len(sm))
			for k := range sm {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if _, set := out[k]; !set {
					out[k] = sm[k]
				}
			}
		}
	}
	return out, nil
}

// intrinsic expands a short-form tag to its long form. The tagged node's own value is read untagged.
func (c *converter) intrinsic(n *yaml.Node, fn string, depth int) (any, error) {
	inner := *n
	inner.Tag = ""
	if n.Kind == yaml.ScalarNode {
		// A tagged scalar is text: `!Ref 123` names the logical ID "123", not a number.
		inner.Tag = "!!str"
	}
	arg, err := c.value(&inner, depth+1)
	if err != nil {
		return nil, err
	}
	if fn == "Fn::GetAtt" {
		if s, ok := arg.(string); ok {
			res, attr, ok := SplitGetAtt(s)
			if !ok {
				return nil, fmt.Errorf("overlay line %d: !GetAtt %q must be written Resource.Attribute", n.Line, s)
			}
			arg = []any{res, attr}
		}
	}
	return map[string]any{fn: arg}, nil
}

// scalar decodes a plain scalar. Timestamps stay text: CloudFormation wants "2010-09-09" and policy versions
// such as "2012-10-17" as strings, not dates.
func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!str", "!!timestamp", "!!binary":
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			// An integer too large for int64/uint64 keeps its text rather than failing the whole overlay.
			return n.Value, nil //nolint:nilerr // see above
		}
		return v, nil
	default:
		return n.Value, nil
	}
}
