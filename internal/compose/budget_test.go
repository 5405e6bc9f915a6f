package compose

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/composestack/composestack/internal/limits"
)

// anchorBomb is an anchor of keys mapping aliased count times: about 10 bytes of text per key, expanding to
// keys*count values, the shape that took compose-go tens of seconds.
func anchorBomb(keys, count int) string {
	var b strings.Builder
	b.WriteString("services:\n  a:\n    image: nginx\nx-big: &big\n")
	for i := range keys {
		fmt.Fprintf(&b, "  k%d: v\n", i)
	}
	b.WriteString("x-uses:\n")
	for i := range count {
		fmt.Fprintf(&b, "  u%d: *big\n", i)
	}
	return b.String()
}

func TestLoadRefusesBeforeExpanding(t *testing.T) {
	for _, tc := range []struct {
		name    string
		compose string
		wantErr string
		// maxAllocBytes bounds what the refusal may allocate, a multiple of the input size.
		maxAllocBytes uint64
	}{
		{"alias bomb", anchorBomb(5000, 40), "expand it to more than 100000 YAML values", 32 << 20},
		{"port range wider than a load balancer", "services:\n  a:\n    image: nginx\n    ports: ['1-65535:1-65535']\n", `services.a.ports.[]: failed to cast to expected type: "1-65535:1-65535" names 65535 ports`, 8 << 20},
		{"port range from a variable", "services:\n  a:\n    image: nginx\n    ports: ['${R:-1000-2000}']\n", `"1000-2000" names 1001 ports`, 8 << 20},
		{"many ranges adding up", manyRanges(30), "the project's ports add up to more than a load balancer's 50 listeners", 8 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := Source{ProjectName: "p", Files: []File{{Name: "compose.yaml", Content: []byte(tc.compose)}}}
			var err error
			allocs := limits.AllocatedBytes(func() { _, err = Load(context.Background(), src) })
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Load error = %v, want it to contain %q", err, tc.wantErr)
			}
			if allocs > tc.maxAllocBytes {
				t.Errorf("Load allocated %d bytes, want at most %d", allocs, tc.maxAllocBytes)
			}
		})
	}
}

func manyRanges(services int) string {
	var b strings.Builder
	b.WriteString("services:\n")
	for i := range services {
		fmt.Fprintf(&b, "  s%d:\n    image: nginx\n    ports: ['%d-%d']\n", i, 1000+i*10, 1000+i*10+9)
	}
	return b.String()
}
