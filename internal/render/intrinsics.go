package render

import (
	"encoding/base64"
	"fmt"

	"github.com/awslabs/goformation/v7/cloudformation"

	"github.com/composestack/composestack/internal/overlay"
)

// goformation's typed structs hold an intrinsic function as a string: the base64 of its JSON, as its helpers
// (cloudformation.Ref, GetAtt, Sub...) make it. The renderer records every token it issues and resolves only
// those, so a user string that happens to look like an encoded intrinsic (an environment value, say) is never
// turned into one.
type intrinsics struct {
	issued map[string]any  // token -> the intrinsic it encodes, decoded, with the tokens inside it resolved
	splice map[string]bool // tokens standing for a whole list (see listRef)
	err    error           // the first token that was not JSON
}

func newIntrinsics() *intrinsics {
	return &intrinsics{issued: map[string]any{}, splice: map[string]bool{}}
}

// issue records tok, made by one of goformation's helpers, as a token this renderer resolves.
func (in *intrinsics) issue(tok string) string {
	if _, ok := in.issued[tok]; ok {
		return tok
	}
	raw, err := base64.StdEncoding.DecodeString(tok)
	var v any
	if err == nil {
		v, err = decodeJSON(raw)
	}
	if err != nil {
		// goformation quotes some arguments with Go's %q, which is not JSON for control characters: a name no
		// CloudFormation template may hold anyway.
		if in.err == nil {
			in.err = fmt.Errorf("encoding the intrinsic function %s: %w", raw, err)
		}
		return tok
	}
	// Decoded once here, not at each use: a template writes the same few Refs hundreds of times.
	in.issued[tok] = in.resolve(v)
	return tok
}

func (in *intrinsics) ref(name string) string { return in.issue(cloudformation.Ref(name)) }

func (in *intrinsics) getAtt(resource, attr string) string {
	return in.issue(cloudformation.GetAtt(resource, attr))
}

func (in *intrinsics) sub(format string) string { return in.issue(cloudformation.Sub(format)) }

func (in *intrinsics) subVars(format string, vars map[string]any) string {
	return in.issue(cloudformation.SubVars(format, vars))
}

func (in *intrinsics) importValue(export string) string {
	return in.issue(cloudformation.ImportValue(export))
}

func (in *intrinsics) join(sep string, parts ...string) string {
	return in.issue(cloudformation.Join(sep, parts))
}

func (in *intrinsics) selectIndex(i int, list string) string {
	return in.issue(cloudformation.Select(i, list))
}

func (in *intrinsics) base64(v string) string { return in.issue(cloudformation.Base64(v)) }

// listRef returns a token for a parameter of a List<> type. Placed as the only element of a list property it
// replaces the whole list, because CloudFormation expects `Subnets: !Ref Subnets`, not `[!Ref Subnets]`.
func (in *intrinsics) listRef(name string) string {
	tok := in.ref(name)
	in.splice[tok] = true
	return tok
}

// resolve replaces, in place, every issued token inside v (a generic JSON value) by the intrinsic it stands for.
// Each use gets its own copy of the intrinsic, so an overlay merging into one use leaves the others alone.
func (in *intrinsics) resolve(v any) any {
	switch t := v.(type) {
	case string:
		if it, ok := in.issued[t]; ok {
			return overlay.Copy(it)
		}
	case []any:
		if len(t) == 1 {
			if s, ok := t[0].(string); ok && in.splice[s] {
				return in.resolve(s)
			}
		}
		for i, e := range t {
			t[i] = in.resolve(e)
		}
	case map[string]any:
		for k, e := range t {
			t[k] = in.resolve(e)
		}
	}
	return v
}
