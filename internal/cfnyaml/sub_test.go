package cfnyaml

import (
	"slices"
	"testing"
)

func TestSubVariables(t *testing.T) {
	for s, want := range map[string][]string{
		"":                                nil,
		"plain":                           nil,
		"${AWS::Region}.compute.internal": {"AWS::Region"},
		"arn:${Secret}:${ Key.Arn }::":    {"Secret", "Key.Arn"},
		"${!Literal} and ${Real}":         {"Real"},
		"${} then ${Open":                 nil,
		"${A}${B}":                        {"A", "B"},
	} {
		if got := SubVariables(s); !slices.Equal(got, want) {
			t.Errorf("SubVariables(%q) = %q, want %q", s, got, want)
		}
	}
}
