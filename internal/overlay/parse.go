package overlay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/composestack/composestack/internal/cfnyaml"
	"github.com/composestack/composestack/internal/limits"
)

// Sections are the top-level keys a CloudFormation template may hold. An overlay key outside this set is almost
// always a typo or a fragment pasted at the wrong depth (a resource without the Resources: wrapper), which would
// otherwise be sent to CloudFormation and fail there with a less helpful message.
var Sections = []string{
	"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
	"Mappings", "Conditions", "Transform", "Resources", "Outputs",
}

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
	return Numbers(v), nil
}

// Numbers turns, in place, every json.Number in a generic value into int64 where it is integral, so that integers
// keep their exact value, and into float64 otherwise: the values a YAML decoder gives, which YAML writes unquoted.
func Numbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = Numbers(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = Numbers(e)
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
	// An overlay is a fragment: it gets the compose files' budget, not a whole template's.
	v, err := cfnyaml.Value(&root, cfnyaml.Options{Strict: true, MaxValues: limits.YAMLNodes})
	if err != nil {
		return nil, fmt.Errorf("overlay %w", err)
	}
	return v, nil
}
