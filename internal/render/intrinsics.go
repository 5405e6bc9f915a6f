package render

import (
	"encoding/base64"
	"encoding/json"
)

// Intrinsic functions in goformation's typed structs are strings holding base64-encoded JSON. The renderer keeps
// its own table of the tokens it issued and resolves only those, so a user string that happens to look like an
// encoded intrinsic (an environment value, say) is never turned into one.
type intrinsics struct {
	values map[string]any    // token -> resolved JSON value
	splice map[string]bool   // tokens standing for a whole list (a List<> parameter) rather than one element
	simple map[string]string // "fn\x00arg" -> token, for intrinsics of one string, which recur a lot
}

func newIntrinsics() *intrinsics {
	return &intrinsics{values: map[string]any{}, splice: map[string]bool{}, simple: map[string]string{}}
}

// simpleToken is token for an intrinsic whose argument is one string, issued once per distinct call.
func (in *intrinsics) simpleToken(fn, arg string) string {
	key := fn + "\x00" + arg
	if tok, ok := in.simple[key]; ok {
		return tok
	}
	tok := in.token(fn, arg)
	in.simple[key] = tok
	return tok
}

// token records fn(arg) and returns the goformation-compatible string standing for it.
func (in *intrinsics) token(fn string, arg any) string {
	v := map[string]any{fn: in.resolve(arg)}
	// Only values built by this package reach here (strings, ints, maps and slices of them): Marshal cannot fail.
	raw, _ := json.Marshal(v)
	tok := base64.StdEncoding.EncodeToString(raw)
	in.values[tok] = v
	return tok
}

func (in *intrinsics) ref(name string) string { return in.simpleToken("Ref", name) }

func (in *intrinsics) getAtt(resource, attr string) string {
	key := "Fn::GetAtt\x00" + resource + "\x00" + attr
	if tok, ok := in.simple[key]; ok {
		return tok
	}
	tok := in.token("Fn::GetAtt", []any{resource, attr})
	in.simple[key] = tok
	return tok
}

func (in *intrinsics) sub(format string) string { return in.simpleToken("Fn::Sub", format) }

func (in *intrinsics) importValue(export string) string {
	return in.simpleToken("Fn::ImportValue", export)
}

func (in *intrinsics) join(sep string, parts ...string) string {
	items := make([]any, len(parts))
	for i, p := range parts {
		items[i] = p
	}
	return in.token("Fn::Join", []any{sep, items})
}

func (in *intrinsics) selectIndex(i int, list string) string {
	return in.token("Fn::Select", []any{i, list})
}

func (in *intrinsics) base64(v string) string { return in.token("Fn::Base64", v) }

// listRef returns a token for a parameter of a List<> type. Placed as the only element of a list property it
// replaces the whole list, because CloudFormation expects `Subnets: !Ref Subnets`, not `[!Ref Subnets]`.
func (in *intrinsics) listRef(name string) string {
	tok := in.ref(name)
	in.splice[tok] = true
	return tok
}

// resolve replaces every token inside v (as built by json.Unmarshal or by this package) by its intrinsic.
func (in *intrinsics) resolve(v any) any {
	switch t := v.(type) {
	case string:
		if r, ok := in.values[t]; ok {
			// Shared by every use, not copied: only overlays change the template in place, and applyOverlays
			// copies what an overlay reaches before merging it (materializeTouched).
			return r
		}
		return t
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return in.resolve(out)
	case []any:
		if len(t) == 1 {
			if s, ok := t[0].(string); ok && in.splice[s] {
				return in.values[s] // shared, as above
			}
		}
		for i, e := range t {
			t[i] = in.resolve(e)
		}
		return t
	case map[string]any:
		for k, e := range t {
			t[k] = in.resolve(e)
		}
		return t
	default:
		return v
	}
}

// deepCopy copies the maps and slices of a generic JSON value. Intrinsic values are shared across the generic
// template (see resolve), so whatever is about to be changed in place must be copied first.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
