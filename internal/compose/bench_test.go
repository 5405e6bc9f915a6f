package compose

import (
	"context"
	"testing"
)

// BenchmarkLoadUtopia measures a load of the seed project: what the controller does on every reconcile.
func BenchmarkLoadUtopia(b *testing.B) {
	src := seed(b, "main")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(ctx, src); err != nil {
			b.Fatal(err)
		}
	}
}
