package diagram

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestWalkRefs(t *testing.T) {
	cases := []struct {
		name, props string
		want        []string // id/kind
	}{
		{"ref", `{"Cluster":{"Ref":"Cluster"}}`, []string{"Cluster/Ref"}},
		{"getatt list", `{"Arn":{"Fn::GetAtt":["Role","Arn"]}}`, []string{"Role/Fn::GetAtt"}},
		{"getatt short form", `{"Arn":{"Fn::GetAtt":"Role.Arn"}}`, []string{"Role/Fn::GetAtt"}},
		{"sub string", `{"N":{"Fn::Sub":"${AWS::StackName}-${LogGroup}-${Role.Arn}"}}`,
			[]string{"AWS::StackName/Fn::Sub", "LogGroup/Fn::Sub", "Role/Fn::Sub"}},
		{"sub escape", `{"N":{"Fn::Sub":"${!Literal} ${A}"}}`, []string{"A/Fn::Sub"}},
		{"sub with its own variables", `{"N":{"Fn::Sub":["${Name}.${Zone}",{"Name":{"Ref":"Service"},"Zone":"x"}]}}`,
			[]string{"Service/Ref"}},
		{"nested in lists and functions", `{"L":[{"Fn::If":["C",{"Ref":"A"},{"Ref":"AWS::NoValue"}]},{"Fn::Join":["",[{"Fn::GetAtt":["B","Dns"]}]]}]}`,
			[]string{"A/Ref", "AWS::NoValue/Ref", "B/Fn::GetAtt"}},
		{"a map with Ref among other keys is plain properties", `{"Ref":"x","Other":{"Ref":"A"}}`, []string{"A/Ref"}},
		{"unclosed variable", `{"N":{"Fn::Sub":"${A"}}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var props any
			if err := json.Unmarshal([]byte(c.props), &props); err != nil {
				t.Fatal(err)
			}
			var got []string
			walkRefs(props, func(id string, kind EdgeKind) { got = append(got, id+"/"+string(kind)) })
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
