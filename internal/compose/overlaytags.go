package compose

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v4"

	"github.com/composestack/composestack/internal/cfnyaml"
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
			c, err := cfnyaml.Expand(top.Content[i+1])
			if err != nil {
				return nil, fmt.Errorf("%s %w", name, err)
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
