package cfnyaml

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

func TestExpandedNodes(t *testing.T) {
	// A "billion laughs": each level aliases the previous one ten times.
	var laughs strings.Builder
	laughs.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&laughs, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	for _, tc := range []struct {
		name string
		doc  string
		want int // exact count, or -1 for "above the limit"
	}{
		{"scalar", "x", 2},
		{"map", "a: 1\nb: 2", 6},
		{"alias counted at every use", "a: &x [1, 2]\nb: *x\nc: *x", 2 + 3 + 3*3}, // document, map, keys, the list three times
		{"billion laughs", laughs.String(), -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tc.doc), &doc); err != nil {
				t.Fatal(err)
			}
			const limit = 1000
			allocs := testing.AllocsPerRun(3, func() { ExpandedNodes(&doc, limit) })
			got := ExpandedNodes(&doc, limit)
			if tc.want < 0 {
				if got <= limit {
					t.Fatalf("ExpandedNodes = %d, want above %d", got, limit)
				}
			} else if got != tc.want {
				t.Fatalf("ExpandedNodes = %d, want %d", got, tc.want)
			}
			if allocs > 100 {
				t.Errorf("ExpandedNodes allocated %.0f times: it must not build the expansion", allocs)
			}
		})
	}
}
