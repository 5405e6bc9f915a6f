package cfnlocal

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parseDocument decodes a template body, JSON or YAML, into plain Go values:
// map[string]any, []any, string, float64, bool and nil. YAML short-form tags
// (!Ref, !GetAtt, !Sub ...) become their long-form maps so the evaluator
// sees one representation.
func parseDocument(body string) (map[string]any, error) {
	trimmed := strings.TrimSpace(body)
	if trimmed == "" {
		return nil, errors.New("template body is empty")
	}
	if strings.HasPrefix(trimmed, "{") {
		var doc map[string]any
		if err := json.Unmarshal([]byte(trimmed), &doc); err != nil {
			return nil, fmt.Errorf("json not well-formed: %w", err)
		}
		return doc, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(body), &root); err != nil {
		return nil, fmt.Errorf("yaml not well-formed: %w", err)
	}
	if len(root.Content) == 0 {
		return nil, errors.New("template body is empty")
	}
	budget := maxYAMLValues
	v, err := yamlValue(root.Content[0], 0, &budget)
	if err != nil {
		return nil, err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("template is not a mapping")
	}
	return doc, nil
}

// shortTags maps a YAML short-form tag to the long-form function name.
var shortTags = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub", "!Join": "Fn::Join", "!Select": "Fn::Select",
	"!Split": "Fn::Split", "!If": "Fn::If", "!Equals": "Fn::Equals", "!And": "Fn::And",
	"!Or": "Fn::Or", "!Not": "Fn::Not", "!ImportValue": "Fn::ImportValue", "!GetAZs": "Fn::GetAZs",
	"!Base64": "Fn::Base64", "!FindInMap": "Fn::FindInMap", "!Cidr": "Fn::Cidr",
}

// maxYAMLDepth bounds recursion so a hostile document cannot exhaust the
// stack, and maxYAMLValues bounds how far aliases can expand a small
// document ("billion laughs").
const (
	maxYAMLDepth  = 200
	maxYAMLValues = 1_000_000
)

func yamlValue(n *yaml.Node, depth int, budget *int) (any, error) {
	if depth > maxYAMLDepth {
		return nil, errors.New("template nests too deeply")
	}
	*budget--
	if *budget < 0 {
		return nil, errors.New("template expands to too many values")
	}
	if fn, ok := shortTags[n.Tag]; ok {
		inner := *n
		inner.Tag = ""
		if n.Kind == yaml.ScalarNode {
			inner.Tag = "!!str"
		}
		v, err := yamlValue(&inner, depth+1, budget)
		if err != nil {
			return nil, err
		}
		// !GetAtt takes "Resource.Attribute" in short form.
		if fn == "Fn::GetAtt" {
			if s, ok := v.(string); ok {
				res, attr, found := strings.Cut(s, ".")
				if !found {
					return nil, fmt.Errorf("template error: !GetAtt %q must be Resource.Attribute", s)
				}
				v = []any{res, attr}
			}
		}
		return map[string]any{fn: v}, nil
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, fmt.Errorf("template format error: unsupported YAML tag %s", n.Tag)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], depth+1, budget)
	case yaml.AliasNode:
		return yamlValue(n.Alias, depth+1, budget)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			v, err := yamlValue(n.Content[i+1], depth+1, budget)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, depth+1, budget)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		return yamlScalar(n)
	}
	return nil, fmt.Errorf("unsupported yaml node kind %d", n.Kind)
}

func yamlScalar(n *yaml.Node) (any, error) {
	tag := n.ShortTag()
	switch tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err != nil {
			return n.Value, nil //nolint:nilerr // YAML 1.1 words such as "yes" stay text, as CloudFormation keeps them
		}
		return b, nil
	case "!!int", "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return n.Value, nil //nolint:nilerr // a number Go cannot hold keeps its text
		}
		return f, nil
	default:
		return n.Value, nil
	}
}
