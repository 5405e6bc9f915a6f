package diagram

import (
	"bytes"
	"fmt"
	"strings"
)

// Mermaid writes the graph as a Mermaid flowchart, one subgraph per group. Node IDs get a prefix because a
// logical ID may be one of Mermaid's keywords (end, style, class...).
func (g *Graph) Mermaid() []byte {
	var b bytes.Buffer
	b.WriteString("flowchart LR\n")
	for i, grp := range g.Groups {
		fmt.Fprintf(&b, "  subgraph g%d[%s]\n", i, mermaidQuote(grp.Label()))
		for _, n := range grp.Nodes {
			fmt.Fprintf(&b, "    r_%s[%s]\n", n.ID, mermaidQuote(n.ID+"<br/>"+shortType(n.Type)))
		}
		b.WriteString("  end\n")
	}
	for _, e := range g.drawnEdges() {
		fmt.Fprintf(&b, "  r_%s %s r_%s\n", e.from, mermaidArrows[e.line], e.to)
	}
	for i, grp := range g.Groups {
		colors := groupColors[grp.Kind]
		fmt.Fprintf(&b, "  style g%d fill:%s,stroke:%s\n", i, colors[0], colors[1])
	}
	return b.Bytes()
}

var mermaidArrows = map[line]string{solid: "-->", thick: "==>", dashed: "-.->"}

// mermaidQuote makes s a quoted Mermaid label; a quote inside one is written as an entity.
func mermaidQuote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, "#quot;") + `"`
}
