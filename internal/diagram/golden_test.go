package diagram

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/composestack/composestack/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// goldenCases are render test cases whose templates cover every group: the seed project (load balancer, a
// secret, an overlay's record set), EFS volumes, autoscaling (untagged resources) and GPU instances (the cluster's
// capacity). Their templates are render's own golden files: regenerate these after those.
var goldenCases = []string{"minimal", "seed-utopia-main", "dev-django-celery", "x-aws-autoscaling", "gpu-node-machine", "secrets-file"}

func caseGraph(t *testing.T, name string) *Graph {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "render", "testdata", name, "template.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := FromTemplate(body)
	if err != nil {
		t.Fatalf("FromTemplate: %v", err)
	}
	return g
}

func TestGolden(t *testing.T) {
	for _, name := range goldenCases {
		t.Run(name, func(t *testing.T) {
			g := caseGraph(t, name)
			compareGolden(t, filepath.Join("testdata", name+".dot"), g.DOT())
			compareGolden(t, filepath.Join("testdata", name+".mmd"), g.Mermaid())
		})
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Compare(t, path, got, *update)
}

// TestSVG lays out the seed project's diagram: every resource is drawn, and the same graph gives the same bytes,
// which the README's committed drawing relies on.
func TestSVG(t *testing.T) {
	g := caseGraph(t, "seed-utopia-main")
	svg, err := g.SVG(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	again, err := g.SVG(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(svg, again) {
		t.Error("two layouts of one graph differ")
	}
	titles := map[string]bool{}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = false // the DOCTYPE names an external DTD
	inTitle := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inTitle = tok.Name.Local == "title"
		case xml.CharData:
			if inTitle {
				titles[strings.TrimSpace(string(tok))] = true
			}
		case xml.EndElement:
			inTitle = false
		}
	}
	for _, grp := range g.Groups {
		for _, n := range grp.Nodes {
			if !titles[n.ID] {
				t.Errorf("the SVG has no node %s", n.ID)
			}
		}
	}
	if !bytes.HasSuffix(bytes.TrimSpace(svg), []byte("</svg>")) {
		t.Error("the SVG is cut short")
	}
}
