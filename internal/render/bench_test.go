package render

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/composestack/composestack/internal/compose"
)

// BenchmarkRenderUtopia measures what a reconcile of the seed project costs: load with internal/compose, then
// render.
func BenchmarkRenderUtopia(b *testing.B) {
	dir := filepath.Join("testdata", "seed-utopia-main")
	src := caseSource(b, dir, "ss-utopia")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		loaded, err := compose.Load(ctx, src)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Render(loaded.Project, Options{ProjectName: "ss-utopia", SensitiveEnv: loaded.SensitiveEnv, Files: loaded.Files}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderOnly measures Render alone on the loaded seed project.
func BenchmarkRenderOnly(b *testing.B) {
	loaded, err := compose.Load(context.Background(), caseSource(b, filepath.Join("testdata", "seed-utopia-main"), "ss-utopia"))
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{ProjectName: "ss-utopia", SensitiveEnv: loaded.SensitiveEnv, Files: loaded.Files}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(loaded.Project, opts); err != nil {
			b.Fatal(err)
		}
	}
}
