package render

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Intrinsic functions in goformation's typed structs are strings holding base64-encoded JSON. The renderer keeps
// its own table of the tokens it issued and resolves only those, so a user string that happens to look like an
// encoded intrinsic (an environment value, say) is never turned into one.
type intrinsics struct {
	values map[string]*intrinsic // token -> what it stands for
	simple map[callKey]string    // intrinsics of one or two strings, which recur a lot -> token
}

// callKey identifies an intrinsic call whose arguments are one or two strings.
type callKey struct{ fn, arg, arg2 string }

// intrinsic is the call one token stands for.
type intrinsic struct {
	fn     string
	arg    any            // resolved: tokens inside it replaced by their values
	json   []byte         // canonical JSON of {fn: arg}, written wherever the token appears in the body
	splice bool           // stands for a whole list (a List<> parameter) rather than one element
	value  map[string]any // {fn: arg}, built when first needed: most tokens are only ever written as json
}

// generic returns the intrinsic as a generic JSON value. It is shared by every use, not copied: only overlays
// change the template in place, and applyOverlays copies what an overlay reaches before merging it
// (materializeTouched).
func (it *intrinsic) generic() map[string]any {
	if it.value == nil {
		it.value = map[string]any{it.fn: it.arg}
	}
	return it.value
}

func newIntrinsics() *intrinsics {
	return &intrinsics{values: map[string]*intrinsic{}, simple: map[callKey]string{}}
}

// simpleToken is token for an intrinsic whose argument is one string, issued once per distinct call.
func (in *intrinsics) simpleToken(fn, arg string) string {
	key := callKey{fn: fn, arg: arg}
	if tok, ok := in.simple[key]; ok {
		return tok
	}
	tok := in.token(fn, arg)
	in.simple[key] = tok
	return tok
}

// token records fn(arg) and returns the goformation-compatible string standing for it.
func (in *intrinsics) token(fn string, arg any) string {
	it := &intrinsic{fn: fn, arg: in.resolve(arg)}
	buf := bytes.NewBuffer(make([]byte, 0, len(fn)+jsonSizeHint(it.arg)+8))
	buf.WriteByte('{')
	writeJSONString(buf, fn)
	buf.WriteByte(':')
	// Only values built by this package reach here (strings, ints, maps and slices of them): writing cannot fail.
	_ = writeJSON(buf, it.arg)
	buf.WriteByte('}')
	it.json = buf.Bytes()
	raw := it.json
	if bytes.ContainsAny(raw, "<>&") {
		// goformation's tokens hold encoding/json's bytes, which escape these three for HTML; the canonical body
		// does not.
		raw, _ = json.Marshal(it.generic())
	}
	tok := base64.StdEncoding.EncodeToString(raw)
	in.values[tok] = it
	return tok
}

// jsonSizeHint guesses the length of the JSON of v, an intrinsic's argument, to allocate its encoding once.
func jsonSizeHint(v any) int {
	switch t := v.(type) {
	case string:
		return len(t) + 2
	case []any:
		n := 2
		for _, e := range t {
			n += jsonSizeHint(e) + 1
		}
		return n
	}
	return 32
}

// tokenPrefix begins every token: the JSON of every intrinsic begins with `{"`, whose base64 begins so (the
// third character depends on the next byte too).
const tokenPrefix = "ey"

// lookup returns the intrinsic s is the token of, nil for any other string. Most strings are told apart by their
// first bytes, without hashing them.
func (in *intrinsics) lookup(s string) *intrinsic {
	if !strings.HasPrefix(s, tokenPrefix) {
		return nil
	}
	return in.values[s]
}

// spliced returns the intrinsic of a token standing for a whole list, nil for any other string.
func (in *intrinsics) spliced(s string) *intrinsic {
	if it := in.lookup(s); it != nil && it.splice {
		return it
	}
	return nil
}

func (in *intrinsics) ref(name string) string { return in.simpleToken("Ref", name) }

func (in *intrinsics) getAtt(resource, attr string) string {
	key := callKey{fn: "Fn::GetAtt", arg: resource, arg2: attr}
	if tok, ok := in.simple[key]; ok {
		return tok
	}
	tok := in.token(key.fn, []any{resource, attr})
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
	in.values[tok].splice = true
	return tok
}

// resolve replaces every token inside v (as built by json.Unmarshal or by this package) by its intrinsic.
func (in *intrinsics) resolve(v any) any {
	switch t := v.(type) {
	case string:
		if it, ok := in.values[t]; ok {
			return it.generic()
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
			if s, ok := t[0].(string); ok {
				if it := in.spliced(s); it != nil {
					return it.generic()
				}
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
// template (see intrinsic.generic), so whatever is about to be changed in place must be copied first.
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
