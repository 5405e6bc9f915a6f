package cfnyaml

import "testing"

func TestLongForm(t *testing.T) {
	for tag, want := range map[string]string{"!Ref": "Ref", "!Condition": "Condition", "!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub", "!ToJsonString": "Fn::ToJsonString"} {
		if fn, ok := LongForm(tag); !ok || fn != want {
			t.Errorf("LongForm(%s) = %q, %v; want %q", tag, fn, ok, want)
		}
	}
	for _, tag := range []string{"!!str", "Ref", "!Bogus", "!ref", ""} {
		if fn, ok := LongForm(tag); ok {
			t.Errorf("LongForm(%q) = %q, want no long form", tag, fn)
		}
	}
}

func TestSplitGetAtt(t *testing.T) {
	for in, want := range map[string][2]string{"Db.Endpoint.Address": {"Db", "Endpoint.Address"}, "LB.DNSName": {"LB", "DNSName"}} {
		r, a, ok := SplitGetAtt(in)
		if !ok || r != want[0] || a != want[1] {
			t.Errorf("SplitGetAtt(%q) = %q, %q, %v", in, r, a, ok)
		}
	}
	for _, in := range []string{"LB", ".DNSName", "LB.", ""} {
		if _, _, ok := SplitGetAtt(in); ok {
			t.Errorf("SplitGetAtt(%q) accepted", in)
		}
	}
}
