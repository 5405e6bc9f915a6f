package diagram

import (
	"bytes"
	"context"
	"fmt"

	"github.com/goccy/go-graphviz"
)

// SVG lays the graph out with Graphviz's dot, compiled to WebAssembly and run in process (no Graphviz on the
// machine), and returns the drawing as SVG.
func (g *Graph) SVG(ctx context.Context) ([]byte, error) {
	gv, err := graphviz.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("starting graphviz: %w", err)
	}
	defer func() { _ = gv.Close() }()
	parsed, err := graphviz.ParseBytes(g.DOT())
	if err != nil {
		return nil, fmt.Errorf("parsing the DOT graph: %w", err)
	}
	defer func() { _ = parsed.Close() }()
	var out bytes.Buffer
	if err := gv.Render(ctx, parsed, graphviz.SVG, &out); err != nil {
		return nil, fmt.Errorf("laying out the graph: %w", err)
	}
	return out.Bytes(), nil
}
