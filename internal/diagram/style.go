package diagram

// line is how an edge is drawn: Ref and Fn::Sub both name a value of the resource, so they look alike.
type line int

const (
	solid  line = iota // Ref, Fn::Sub
	thick              // Fn::GetAtt
	dashed             // DependsOn
)

func lineOf(k EdgeKind) line {
	switch k {
	case GetAtt:
		return thick
	case DependsOn:
		return dashed
	default:
		return solid
	}
}

// drawnEdge is an edge as drawn: one per pair of nodes and line.
type drawnEdge struct {
	from, to string
	line     line
}

// drawnEdges returns the edges to draw, in the graph's order, without the duplicates that a Ref and an Fn::Sub of
// the same resource make.
func (g *Graph) drawnEdges() []drawnEdge {
	seen := map[drawnEdge]bool{}
	var out []drawnEdge
	for _, e := range g.Edges {
		d := drawnEdge{from: e.From, to: e.To, line: lineOf(e.Kind)}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// groupColors are the fill and border of each kind of group, alike in every format.
var groupColors = map[GroupKind][2]string{
	NetworkGroup:      {"#e8f1fb", "#7fa7d6"},
	LoadBalancerGroup: {"#fdf1e3", "#d9a25f"},
	ServiceGroup:      {"#eaf6ea", "#78b078"},
	StorageGroup:      {"#f3ecf9", "#a58cc4"},
	SecretsGroup:      {"#fbe9e9", "#d08080"},
	ClusterGroup:      {"#f0f0f0", "#a0a0a0"},
	ParameterGroup:    {"#fffbe6", "#c9b458"},
	OtherGroup:        {"#ffffff", "#a0a0a0"},
}
