package cfnyaml

import "go.yaml.in/yaml/v4"

// ExpandedNodes counts the nodes of n as a reader that follows aliases would build them, without building them:
// each anchored subtree is counted once and its size reused at every alias, so the count takes time linear in
// the text even when the expansion is exponential. It stops counting past limit and returns a value above it.
func ExpandedNodes(n *yaml.Node, limit int) int {
	size, _ := expandedNodes(n, limit)
	return size
}

// expandedNodes is ExpandedNodes that also gives the line of a node nested deeper than MaxDepth (0 if none).
func expandedNodes(n *yaml.Node, limit int) (size, deepLine int) {
	c := nodeCounter{limit: limit, sizes: map[*yaml.Node]int{}}
	size = c.count(n, 0)
	return size, c.deepLine
}

type nodeCounter struct {
	limit    int
	sizes    map[*yaml.Node]int // anchored or aliased node -> its expanded size
	deepLine int                // the first node found too deep
}

func (c *nodeCounter) count(n *yaml.Node, depth int) int {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
		if n == nil {
			return 1
		}
	}
	if size, ok := c.sizes[n]; ok {
		return size
	}
	if depth > MaxDepth {
		// Deeper than any reader here accepts: count it as over the limit rather than recurse further.
		if c.deepLine == 0 {
			c.deepLine = n.Line
		}
		return c.limit + 1
	}
	size := 1
	for _, ch := range n.Content {
		size += c.count(ch, depth+1)
		if size > c.limit {
			break
		}
	}
	if n.Anchor != "" {
		c.sizes[n] = size
	}
	return size
}
