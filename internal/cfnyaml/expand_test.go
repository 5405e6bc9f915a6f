package cfnyaml

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

func TestExpand(t *testing.T) {
	const in = `a: &att !GetAtt LB.DNSName # the balancer
b: *att
c: !Sub ["${X}", {X: !Ref Y}]
d: !Ref 123
`
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(in), &root); err != nil {
		t.Fatal(err)
	}
	changed, err := Expand(&root)
	if err != nil || !changed {
		t.Fatalf("Expand = %v, %v; want a change", changed, err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "!Ref") || strings.Contains(out, "!GetAtt") || !strings.Contains(out, "# the balancer") {
		t.Errorf("re-encoded tree keeps a short tag or lost its comment:\n%s", out)
	}
	// A reader that knows nothing of the tags sees the long forms, the alias included.
	var got map[string]any
	if err := yaml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	att := map[string]any{"Fn::GetAtt": []any{"LB", "DNSName"}}
	want := map[string]any{
		"a": att, "b": att,
		"c": map[string]any{"Fn::Sub": []any{"${X}", map[string]any{"X": map[string]any{"Ref": "Y"}}}},
		"d": map[string]any{"Ref": "123"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("re-decoded =\n%#v\nwant\n%#v\nfrom\n%s", got, want, out)
	}
}

func TestExpandWithoutTags(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte("a: [1, {b: '!Ref'}]\n"), &root); err != nil {
		t.Fatal(err)
	}
	if changed, err := Expand(&root); changed || err != nil {
		t.Errorf("Expand = %v, %v; want no change", changed, err)
	}
}

func TestExpandErrors(t *testing.T) {
	for in, want := range map[string]Error{
		"a:\n  b: !Bogus x\n": {Line: 2, Msg: "unknown tag !Bogus: use a CloudFormation intrinsic such as !Ref or !Sub, or its Fn:: long form"},
		"a: !GetAtt LB\n":     {Line: 1, Msg: `!GetAtt "LB" must be written Resource.Attribute`},
		"a:\n  !Ref b: c\n":   {Line: 2, Msg: `map key "b" carries the tag !Ref: a key must be a plain string`},
		"a: " + strings.Repeat("[", MaxDepth+1) + "!Ref x" + strings.Repeat("]", MaxDepth+1): {Line: 1, Msg: "nested deeper than 256 levels"},
	} {
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(in), &root); err != nil {
			t.Fatal(err)
		}
		_, err := Expand(&root)
		var e *Error
		if !errors.As(err, &e) || *e != want {
			t.Errorf("Expand(%.40q) error = %v, want %+v", in, err, want)
		}
	}
}

// Expand then Value must read a document as Value alone does: the compose loader relies on the first, the overlay
// parser on the second, and both must give a template the same intrinsics.
func FuzzExpandMatchesValue(f *testing.F) {
	for _, s := range []string{"a: !Ref b\n", "a: &x !GetAtt A.B\nb: *x\n", "a: !Sub [x, {y: !Ref z}]\n", "a: !Bogus x\n", "a: !GetAtt A\n", "<<: {a: 1}\n", "a: [&x !Ref 1, *x]\n", "{!0 }0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var direct, expanded yaml.Node
		if yaml.Unmarshal([]byte(in), &direct) != nil || yaml.Unmarshal([]byte(in), &expanded) != nil {
			return
		}
		want, werr := Value(&direct, Options{Strict: true})
		_, eerr := Expand(&expanded)
		var got any
		if eerr == nil {
			got, eerr = Value(&expanded, Options{Strict: true})
		}
		// Either may report another of several faults first, but they must agree that there is one.
		if (werr == nil) != (eerr == nil) {
			t.Fatalf("Value error %v, Expand+Value error %v", werr, eerr)
		}
		if werr == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("Value = %#v, Expand+Value = %#v", want, got)
		}
	})
}
