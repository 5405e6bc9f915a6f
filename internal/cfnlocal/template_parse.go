package cfnlocal

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/composestack/composestack/internal/cfnyaml"
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
	// Not strict: the service lets a later duplicate key win and knows no merge keys (<<); only the aws CLI
	// expands those before upload.
	v, err := cfnyaml.Value(root.Content[0], cfnyaml.Options{Float64: true})
	if err != nil {
		return nil, fmt.Errorf("template %w", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("template is not a mapping")
	}
	return doc, nil
}
