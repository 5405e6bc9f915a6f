package cli

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkConvertUtopia measures `composestack convert` of the seed project end to end: reading the files,
// loading, rendering with the overlay and formatting as YAML.
func BenchmarkConvertUtopia(b *testing.B) {
	dir := filepath.Join("..", "compose", "testdata", "main")
	cmd, o := newConvertCommand()
	if err := cmd.ParseFlags([]string{"-f", filepath.Join(dir, "docker-compose.yaml"), "-p", "ss-utopia"}); err != nil {
		b.Fatal(err)
	}
	o.network.AssignPublicIP = true
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := o.run(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
