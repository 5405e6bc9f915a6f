package compose

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// nonFiniteError improves compose-go's "json: unsupported value: NaN", which names no field: compose-go casts
// "NaN" and "Inf" to floats and its schema check then fails to encode them. It finds the first scalar in files
// that reads as such a number and names it; when none is found, err is returned as it was.
func nonFiniteError(files []File, err error) error {
	if !strings.Contains(err.Error(), "json: unsupported value") {
		return err
	}
	for _, f := range files {
		dec := yaml.NewDecoder(bytes.NewReader(f.Content))
		for {
			var doc yaml.Node
			if dec.Decode(&doc) != nil {
				break // the end, or a syntax error compose-go would have reported first
			}
			if path, v, ok := findNonFinite(&doc, "", 0); ok {
				return fmt.Errorf("%s: %s: %q is not a finite number: give a number", f.Name, path, v)
			}
		}
	}
	return err
}

func findNonFinite(n *yaml.Node, path string, depth int) (string, string, bool) {
	if depth > 64 || n.Kind == yaml.AliasNode {
		return "", "", false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if f, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64); err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) ||
			n.Tag == "!!float" && (strings.Contains(strings.ToLower(n.Value), "nan") || strings.Contains(strings.ToLower(n.Value), "inf")) {
			return path, n.Value, true
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			if got, v, ok := findNonFinite(n.Content[i+1], p, depth+1); ok {
				return got, v, true
			}
		}
	default:
		for i, c := range n.Content {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			if got, v, ok := findNonFinite(c, p, depth+1); ok {
				return got, v, true
			}
		}
	}
	return "", "", false
}
