package cfnyaml

import (
	"reflect"
	"testing"
)

// Every short form CloudFormation documents, written out rather than read from the table under test.
func TestEveryShortForm(t *testing.T) {
	for tag, fn := range map[string]string{
		"!Ref": "Ref", "!Condition": "Condition", "!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr",
		"!FindInMap": "Fn::FindInMap", "!GetAZs": "Fn::GetAZs", "!ImportValue": "Fn::ImportValue",
		"!Join": "Fn::Join", "!Select": "Fn::Select", "!Split": "Fn::Split", "!Sub": "Fn::Sub",
		"!Transform": "Fn::Transform", "!Length": "Fn::Length", "!ToJsonString": "Fn::ToJsonString",
		"!And": "Fn::And", "!Equals": "Fn::Equals", "!If": "Fn::If", "!Not": "Fn::Not", "!Or": "Fn::Or",
	} {
		got, err := decode(t, "K: "+tag+" [a, b]\n", Options{})
		want := map[string]any{"K": map[string]any{fn: []any{"a", "b"}}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, %v; want %#v", tag, got, err, want)
		}
	}
	for _, tag := range []string{"!ref", "!Fn::Sub", "!GetAttr"} {
		if got, err := decode(t, "K: "+tag+" x\n", Options{}); err == nil {
			t.Errorf("%s = %#v, want an unknown tag", tag, got)
		}
	}
}

func TestSplitGetAtt(t *testing.T) {
	for in, want := range map[string][2]string{"Db.Endpoint.Address": {"Db", "Endpoint.Address"}, "LB.DNSName": {"LB", "DNSName"}} {
		r, a, ok := splitGetAtt(in)
		if !ok || r != want[0] || a != want[1] {
			t.Errorf("splitGetAtt(%q) = %q, %q, %v", in, r, a, ok)
		}
	}
	for _, in := range []string{"LB", ".DNSName", "LB.", ""} {
		if _, _, ok := splitGetAtt(in); ok {
			t.Errorf("splitGetAtt(%q) accepted", in)
		}
	}
}
