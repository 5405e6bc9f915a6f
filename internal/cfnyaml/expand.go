package cfnyaml

import "go.yaml.in/yaml/v4"

// Expand rewrites every short-form tag under n, in place, to its long-form map (`!Ref X` becomes `Ref: X`), and
// reports whether it changed anything. It suits a caller that hands the tree on to another YAML reader, which
// would otherwise drop the tags; aliases are not followed, since their anchors are rewritten where they stand.
func Expand(n *yaml.Node) (bool, error) {
	return expand(n, 0)
}

func expand(n *yaml.Node, depth int) (bool, error) {
	if depth > MaxDepth {
		return false, tooDeep(n.Line)
	}
	changed := false
	if n.Kind != yaml.AliasNode {
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				if err := taggedKey(c); err != nil {
					return false, err
				}
			}
			ch, err := expand(c, depth+1)
			if err != nil {
				return false, err
			}
			changed = changed || ch
		}
	}
	fn, arg, ok, err := intrinsic(n)
	if err != nil || !ok {
		return changed, err
	}
	*n = yaml.Node{
		Kind:        yaml.MappingNode,
		Tag:         "!!map",
		Line:        n.Line,
		Column:      n.Column,
		Anchor:      n.Anchor,
		HeadComment: n.HeadComment,
		LineComment: n.LineComment,
		FootComment: n.FootComment,
		Content:     []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: fn}, arg},
	}
	return true, nil
}
