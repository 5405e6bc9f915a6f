package compose

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/composestack/composestack/internal/overlay"
)

const xCloudFormation = "x-aws-cloudformation"

// expandOverlayTags rewrites CloudFormation short-form tags (!Ref, !GetAtt, !Sub...) inside a compose file's
// x-aws-cloudformation to their long form (Ref:, Fn::GetAtt:, Fn::Sub:...). compose-go decodes YAML into plain
// values and drops unknown tags, so `Value: !Ref Bucket` would reach the template as the string "Bucket"
// (Docker's Compose for ECS did the same, silently). A file without such tags is returned unchanged, byte for
// byte; one with them is re-encoded, so compose-go's messages about it may cite other line numbers.
func expandOverlayTags(name string, content []byte) ([]byte, error) {
	if !bytes.Contains(content, []byte(xCloudFormation)) || !bytes.Contains(content, []byte("!")) {
		return content, nil
	}
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(content))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// Left for compose-go, which reports YAML errors with its own context.
			return content, nil //nolint:nilerr // see above
		}
		docs = append(docs, &doc)
	}
	changed := false
	for _, doc := range docs {
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		top := doc.Content[0]
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value != xCloudFormation {
				continue
			}
			c, err := expandTags(name, top.Content[i+1], 0)
			if err != nil {
				return nil, err
			}
			changed = changed || c
		}
	}
	if !changed {
		return content, nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, doc := range docs {
		if err := enc.Encode(doc); err != nil {
			return nil, fmt.Errorf("%s: rewriting %s short-form tags: %w", name, xCloudFormation, err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("%s: rewriting %s short-form tags: %w", name, xCloudFormation, err)
	}
	return buf.Bytes(), nil
}

// maxTagDepth bounds the walk so a hostile file cannot exhaust the stack.
const maxTagDepth = 256

// expandTags rewrites n and its children in place and reports whether anything changed.
func expandTags(name string, n *yaml.Node, depth int) (bool, error) {
	if depth > maxTagDepth {
		return false, fmt.Errorf("%s line %d: %s nests deeper than %d levels", name, n.Line, xCloudFormation, maxTagDepth)
	}
	changed := false
	if n.Kind != yaml.AliasNode {
		for _, c := range n.Content {
			ch, err := expandTags(name, c, depth+1)
			if err != nil {
				return false, err
			}
			changed = changed || ch
		}
	}
	tag := n.Tag
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return changed, nil
	}
	fn, ok := overlay.LongForm(tag)
	if !ok {
		return false, fmt.Errorf("%s line %d: unknown tag %s in %s: use a CloudFormation intrinsic such as !Ref or !Sub, or its Fn:: long form",
			name, n.Line, tag, xCloudFormation)
	}
	arg := *n
	arg.Tag = ""
	// The anchor and comments belong to the whole expression, which the new map now stands for.
	arg.Anchor, arg.HeadComment, arg.LineComment, arg.FootComment = "", "", "", ""
	if n.Kind == yaml.ScalarNode {
		arg.Tag = "!!str"
		arg.Style &^= yaml.TaggedStyle
		if fn == "Fn::GetAtt" {
			res, attr, ok := overlay.SplitGetAtt(n.Value)
			if !ok {
				return false, fmt.Errorf("%s line %d: !GetAtt %q must be written Resource.Attribute", name, n.Line, n.Value)
			}
			arg = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Content: []*yaml.Node{
				{Kind: yaml.ScalarNode, Tag: "!!str", Value: res},
				{Kind: yaml.ScalarNode, Tag: "!!str", Value: attr},
			}}
		}
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
		Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: fn},
			&arg,
		},
	}
	return true, nil
}
