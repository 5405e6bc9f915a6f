package render

import (
	"encoding/json"
	"fmt"

	"github.com/awslabs/goformation/v7/cloudformation"
)

// Tokens lends the renderer's intrinsic-function bookkeeping to other packages that build templates with
// goformation (internal/network): it issues tokens and, when the template is encoded, resolves those alone, so
// a user string (a tag value, say) that looks like an encoded intrinsic stays a string.
type Tokens struct{ in *intrinsics }

// NewTokens returns an empty set of tokens.
func NewTokens() *Tokens { return &Tokens{in: newIntrinsics()} }

// Ref is a token for {"Ref": name}.
func (t *Tokens) Ref(name string) string { return t.in.ref(name) }

// GetAtt is a token for {"Fn::GetAtt": [resource, attr]}.
func (t *Tokens) GetAtt(resource, attr string) string { return t.in.getAtt(resource, attr) }

// Sub is a token for {"Fn::Sub": format}.
func (t *Tokens) Sub(format string) string { return t.in.sub(format) }

// SelectAZ is a token for the i-th Availability Zone of the stack's region: {"Fn::Select": [i, {"Fn::GetAZs": ""}]}.
func (t *Tokens) SelectAZ(i int) string {
	return t.in.selectIndex(i, t.in.issue(cloudformation.GetAZs("")))
}

// Encode marshals tpl with encoding/json, resolves the tokens issued here, and writes canonical JSON (sorted keys,
// no HTML escaping, no insignificant space), as Render writes Result.Body.
func (t *Tokens) Encode(tpl *cloudformation.Template) ([]byte, error) {
	if t.in.err != nil {
		return nil, t.in.err
	}
	raw, err := json.Marshal(tpl)
	if err != nil {
		return nil, fmt.Errorf("encoding the template: %w", err)
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("decoding the template: %w", err)
	}
	return encodeJSON(t.in.resolve(v))
}

// TemplateYAML writes a template body (JSON) as YAML with sorted keys, as Result.YAML does.
func TemplateYAML(body []byte) ([]byte, error) {
	return (&Result{Body: body}).YAML()
}
