package cfnyaml

import (
	"fmt"
	"math"

	"go.yaml.in/yaml/v4"
)

// Options says how Value reads what CloudFormation itself leaves open.
type Options struct {
	// Strict refuses a key given twice in one map and a key that is not a scalar, and applies YAML merge keys
	// (<<). Without it a later key wins and << is a key like any other, which is how the CloudFormation service
	// reads a template; an author's tool should point out the mistake instead.
	Strict bool
	// Float64 decodes every number to a float64, as encoding/json does, so that a YAML and a JSON body give the
	// same values. Otherwise integers are ints (uint64 past int64).
	Float64 bool
	// MaxValues bounds the values n may expand to through its aliases; 0 means the package's MaxValues.
	MaxValues int
}

// Value converts n to plain Go values: map[string]any, []any, string, bool, numbers and nil. Short-form tags
// become their long-form maps ({"Ref": ...}, {"Fn::GetAtt": [...]}). Timestamps, binary data and numbers that a
// float64 cannot hold (.inf, .nan) stay text: CloudFormation wants "2010-09-09" as a string, and JSON has no
// infinity.
func Value(n *yaml.Node, opts Options) (any, error) {
	if opts.MaxValues <= 0 {
		opts.MaxValues = MaxValues
	}
	// Counted before anything is built: a few kilobytes of anchors and aliases would otherwise cost hundreds of
	// megabytes before the limit was reached.
	size, deepLine := expandedNodes(n, opts.MaxValues)
	if deepLine > 0 {
		return nil, tooDeep(deepLine)
	}
	if size > opts.MaxValues {
		return nil, tooMany(opts.MaxValues)
	}
	d := decoder{opts: opts}
	return d.value(n, 0)
}

// decoder walks a tree once; values counts what it produced across aliases.
type decoder struct {
	opts   Options
	values int
}

func (d *decoder) value(n *yaml.Node, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, tooDeep(n.Line)
	}
	d.values++
	if d.values > d.opts.MaxValues {
		return nil, tooMany(d.opts.MaxValues)
	}
	fn, arg, ok, err := intrinsic(n)
	if err != nil {
		return nil, err
	}
	if ok {
		v, err := d.value(arg, depth+1)
		if err != nil {
			return nil, err
		}
		return map[string]any{fn: v}, nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return d.value(n.Content[0], depth+1)
	case yaml.AliasNode:
		return d.value(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := d.value(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		return d.mapping(n, depth)
	case yaml.ScalarNode:
		return d.scalar(n), nil
	default:
		return nil, &Error{Line: n.Line, Msg: "unexpected YAML node"}
	}
}

func (d *decoder) mapping(n *yaml.Node, depth int) (map[string]any, error) {
	out := make(map[string]any, len(n.Content)/2)
	explicit := map[string]bool{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if err := taggedKey(k); err != nil {
			return nil, err
		}
		if d.opts.Strict {
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				merges = append(merges, v)
				continue
			}
			if k.Kind != yaml.ScalarNode {
				return nil, &Error{Line: k.Line, Msg: "a map key must be a plain string"}
			}
			if explicit[k.Value] {
				return nil, &Error{Line: k.Line, Msg: fmt.Sprintf("key %q appears twice in the same map: keep one", k.Value)}
			}
			explicit[k.Value] = true
		}
		val, err := d.value(v, depth+1)
		if err != nil {
			return nil, err
		}
		out[k.Value] = val
	}
	// Merge keys (<<: *anchor) fill in only keys the map does not set itself; the first source wins.
	for _, m := range merges {
		sources := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			sources = m.Content
		}
		for _, s := range sources {
			v, err := d.value(s, depth+1)
			if err != nil {
				return nil, err
			}
			sm, ok := v.(map[string]any)
			if !ok {
				return nil, &Error{Line: s.Line, Msg: "a merge key (<<) must refer to a map"}
			}
			for k, e := range sm {
				if _, set := out[k]; !set {
					out[k] = e
				}
			}
		}
	}
	return out, nil
}

func (d *decoder) scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			// A value its tag cannot hold (`!!int 99999999999999999999`) keeps its text rather than failing
			// the whole document.
			return n.Value
		}
		switch x := v.(type) {
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return n.Value
			}
		case int:
			if d.opts.Float64 {
				return float64(x)
			}
		case int64:
			if d.opts.Float64 {
				return float64(x)
			}
		case uint64:
			if d.opts.Float64 {
				return float64(x)
			}
		}
		return v
	default:
		return n.Value
	}
}
