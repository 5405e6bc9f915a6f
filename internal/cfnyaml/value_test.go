package cfnyaml

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// decode parses one YAML document and converts it with opts.
func decode(t *testing.T, in string, opts Options) (any, error) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(in), &root); err != nil {
		t.Fatalf("yaml.Unmarshal(%q): %v", in, err)
	}
	return Value(&root, opts)
}

func TestValueIntrinsics(t *testing.T) {
	in := `Ref: !Ref Bucket
Num: !Ref 123
Att: !GetAtt Db.Endpoint.Address
AttList: !GetAtt [LB, DNSName]
Sub: !Sub ["${A}-b", {A: !Ref X}]
Select: !Select [0, !GetAZs ""]
Anchored: &lb !GetAtt LB.DNSName
Again: *lb
`
	got, err := decode(t, in, Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	lb := map[string]any{"Fn::GetAtt": []any{"LB", "DNSName"}}
	want := map[string]any{
		"Ref":      map[string]any{"Ref": "Bucket"},
		"Num":      map[string]any{"Ref": "123"},
		"Att":      map[string]any{"Fn::GetAtt": []any{"Db", "Endpoint.Address"}},
		"AttList":  lb,
		"Sub":      map[string]any{"Fn::Sub": []any{"${A}-b", map[string]any{"A": map[string]any{"Ref": "X"}}}},
		"Select":   map[string]any{"Fn::Select": []any{0, map[string]any{"Fn::GetAZs": ""}}},
		"Anchored": lb,
		"Again":    lb,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Value =\n%#v\nwant\n%#v", got, want)
	}
}

// The scalar rules, pinned because yaml v3 and v4 resolve some plain scalars differently and CloudFormation
// reads YAML 1.1 words such as yes as text.
func TestValueScalars(t *testing.T) {
	tests := []struct {
		in          string
		want, float any
	}{
		{"yes", "yes", "yes"},
		{"on", "on", "on"},
		{"True", true, true},
		{"false", false, false},
		{"~", nil, nil},
		{"null", nil, nil},
		{"3", 3, 3.0},
		{"0x1F", 31, 31.0},
		{"0o17", 15, 15.0},
		{"1_000", 1000, 1000.0},
		{"0.5", 0.5, 0.5},
		{"1e3", 1000.0, 1000.0},
		{"18446744073709551615", uint64(math.MaxUint64), float64(math.MaxUint64)},
		{"99999999999999999999", 1e20, 1e20},
		{"!!int 99999999999999999999", "99999999999999999999", "99999999999999999999"},
		{"!!int abc", "abc", "abc"},
		{"!!float x", "x", "x"},
		{".inf", ".inf", ".inf"},
		{"-.Inf", "-.Inf", "-.Inf"},
		{".nan", ".nan", ".nan"},
		{`"42"`, "42", "42"},
		{"2010-09-09", "2010-09-09", "2010-09-09"},
		{"2012-10-17T00:00:00Z", "2012-10-17T00:00:00Z", "2012-10-17T00:00:00Z"},
		{"!!binary aGk=", "aGk=", "aGk="},
		{"!!str 12", "12", "12"},
		{"!!bool yes", "yes", "yes"},
	}
	for _, tt := range tests {
		for _, opts := range []Options{{Strict: true}, {Float64: true}} {
			got, err := decode(t, "K: "+tt.in+"\n", opts)
			if err != nil {
				t.Fatalf("%s: %v", tt.in, err)
			}
			want := tt.want
			if opts.Float64 {
				want = tt.float
			}
			if v := got.(map[string]any)["K"]; !reflect.DeepEqual(v, want) {
				t.Errorf("%+v: %s = %#v, want %#v", opts, tt.in, v, want)
			}
		}
	}
}

func TestValueKeys(t *testing.T) {
	const in = "base: &b {A: 1, B: 1}\nmap:\n  <<: [*b, {C: 3}]\n  B: 2\n  B: 4\n"
	lenient, err := decode(t, in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Lenient, as the CloudFormation service reads a template: the later key wins and << is just a key.
	want := map[string]any{"<<": []any{map[string]any{"A": 1, "B": 1}, map[string]any{"C": 3}}, "B": 4}
	if got := lenient.(map[string]any)["map"]; !reflect.DeepEqual(got, want) {
		t.Errorf("lenient map = %#v, want %#v", got, want)
	}
	strict, err := decode(t, strings.Replace(in, "  B: 4\n", "", 1), Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]any{"A": 1, "B": 2, "C": 3}
	if got := strict.(map[string]any)["map"]; !reflect.DeepEqual(got, want) {
		t.Errorf("strict map = %#v, want %#v", got, want)
	}
}

func TestValueErrors(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		msg      string
	}{
		{"unknown tag", "a:\n  b: !Bogus x\n", 2, "unknown tag !Bogus"},
		{"getatt without attribute", "a: !GetAtt LB\n", 1, `!GetAtt "LB" must be written Resource.Attribute`},
		{"getatt without resource", "a: !GetAtt .DNSName\n", 1, "must be written Resource.Attribute"},
		{"duplicate key", "a: 1\nb: 2\na: 3\n", 3, `key "a" appears twice`},
		{"map key", "? [a]\n: b\n", 1, "map key must be a plain string"},
		{"tagged key", "a:\n  !Ref b: c\n", 2, `map key "b" carries the tag !Ref`},
		{"merge of a scalar", "a:\n  <<: x\n", 2, "merge key (<<) must refer to a map"},
		{"deep nesting", "a: " + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + "\n", 1, "nested deeper than 256 levels"},
		{"self alias", "a: &a {b: *a}\n", 1, "nested deeper"},
		{"alias bomb", aliasBomb(), 0, "expands to more than 1048576 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := decode(t, tt.in, Options{Strict: true})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Value = %#v, %v; want an *Error", v, err)
			}
			if e.Line != tt.line || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("error = line %d %q, want line %d and %q", e.Line, e.Msg, tt.line, tt.msg)
			}
		})
	}
}

// aliasBomb doubles its values at each of 30 levels: without a budget it would build 2^30 values.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x]\n")
	for i := 1; i <= 30; i++ {
		p := strconv.Itoa(i - 1)
		b.WriteString("l" + strconv.Itoa(i) + ": &l" + strconv.Itoa(i) + " [*l" + p + ", *l" + p + "]\n")
	}
	return b.String()
}
