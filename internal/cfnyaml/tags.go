// Package cfnyaml reads CloudFormation YAML. It is the one place that knows the short-form intrinsic tags
// (!Ref, !GetAtt, !Sub, ...) and their long (JSON) forms, and it turns a parsed yaml.Node tree into either
// long-form nodes (Expand) or plain Go values (Value), within bounds on nesting and alias expansion.
package cfnyaml

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v4"
)

// longForms maps a short-form tag to the key of its long form.
var longForms = map[string]string{
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

// splitGetAtt splits the short-form !GetAtt argument "Resource.Attribute" at its first dot: attribute names
// may themselves hold dots (Endpoint.Address). It reports false when either part is missing.
func splitGetAtt(s string) (resource, attribute string, ok bool) {
	resource, attribute, found := strings.Cut(s, ".")
	return resource, attribute, found && resource != "" && attribute != ""
}

// intrinsic reads a node carrying a short-form tag. It returns the tag's long-form key and the node that is its
// argument: a copy of n without the tag, or for `!GetAtt Resource.Attribute` the two-item list. ok is false
// when n carries no local tag (YAML's own !!str, !!int... are not intrinsics).
func intrinsic(n *yaml.Node) (fn string, arg *yaml.Node, ok bool, err error) {
	if !localTag(n) {
		return "", nil, false, nil
	}
	fn, known := longForms[n.Tag]
	if !known {
		return "", nil, false, &Error{Line: n.Line, Msg: fmt.Sprintf(
			"unknown tag %s: use a CloudFormation intrinsic such as !Ref or !Sub, or its Fn:: long form", n.Tag)}
	}
	a := *n
	a.Tag = ""
	// The anchor and comments belong to the whole expression, not to its argument.
	a.Anchor, a.HeadComment, a.LineComment, a.FootComment = "", "", "", ""
	if n.Kind == yaml.ScalarNode {
		// A tagged scalar is text: `!Ref 123` names the logical ID "123", not a number.
		a.Tag = "!!str"
		a.Style &^= yaml.TaggedStyle
		if fn == "Fn::GetAtt" {
			res, attr, ok := splitGetAtt(n.Value)
			if !ok {
				return "", nil, false, &Error{Line: n.Line, Msg: fmt.Sprintf("!GetAtt %q must be written Resource.Attribute", n.Value)}
			}
			a = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Line: n.Line, Column: n.Column,
				Content: []*yaml.Node{
					{Kind: yaml.ScalarNode, Tag: "!!str", Value: res, Line: n.Line, Column: n.Column},
					{Kind: yaml.ScalarNode, Tag: "!!str", Value: attr, Line: n.Line, Column: n.Column},
				}}
		}
	}
	return fn, &a, true, nil
}

// localTag reports whether n carries a tag of its own (!Ref, !Bogus), as opposed to none or one of YAML's (!!str).
func localTag(n *yaml.Node) bool {
	return strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!")
}

// taggedKey refuses a map key with a local tag: an intrinsic cannot name a key, and dropping the tag would hide
// the mistake.
func taggedKey(k *yaml.Node) error {
	if !localTag(k) {
		return nil
	}
	return &Error{Line: k.Line, Msg: fmt.Sprintf("map key %q carries the tag %s: a key must be a plain string", k.Value, k.Tag)}
}
