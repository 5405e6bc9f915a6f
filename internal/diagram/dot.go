package diagram

import (
	"bytes"
	"fmt"
	"strings"
)

// DOT writes the graph in Graphviz's DOT language, one cluster per group.
func (g *Graph) DOT() []byte {
	var b bytes.Buffer
	b.WriteString("digraph template {\n")
	b.WriteString("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, nodesep=0.25, ranksep=0.8];\n")
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", fontsize=10];\n")
	b.WriteString("  edge [color=\"#555555\", arrowsize=0.6];\n")
	for i, grp := range g.Groups {
		colors := groupColors[grp.Kind]
		fmt.Fprintf(&b, "  subgraph cluster_%d {\n", i)
		fmt.Fprintf(&b, "    label=%s; style=\"rounded,filled\"; fillcolor=%s; color=%s;\n",
			dotQuote(grp.Label()), dotQuote(colors[0]), dotQuote(colors[1]))
		for _, n := range grp.Nodes {
			// \n in a DOT label is a line break: the parts are quoted first, then joined by it.
			label := dotQuote(n.ID)
			label = label[:len(label)-1] + `\n` + dotQuote(shortType(n.Type))[1:]
			fmt.Fprintf(&b, "    %s [label=%s];\n", dotQuote(n.ID), label)
		}
		b.WriteString("  }\n")
	}
	for _, e := range g.drawnEdges() {
		fmt.Fprintf(&b, "  %s -> %s%s;\n", dotQuote(e.from), dotQuote(e.to), dotEdgeAttrs[e.line])
	}
	b.WriteString("}\n")
	return b.Bytes()
}

var dotEdgeAttrs = map[line]string{
	solid:  "",
	thick:  " [penwidth=2]",
	dashed: " [style=dashed, color=\"#999999\"]",
}

// dotQuote makes s a DOT string: logical IDs are alphanumeric, but a tag value in a group label can be anything.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
