package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/composestack/composestack/internal/diagram"
)

// drawDiagram runs `diagram`: convert's inputs and flags, with --format naming the drawing.
func drawDiagram(args []string, stdout, stderr io.Writer) int {
	fs, o := newConvertFlags(stderr)
	fs.Init("composestack diagram", flag.ContinueOnError)
	format := fs.Lookup("format")
	format.Usage = "output `format`: dot, mermaid or svg (laid out in process; no Graphviz needed)"
	format.DefValue = "dot"
	o.format = format.DefValue
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: composestack diagram [flags]\n\nDraw the CloudFormation template of a compose project: its resources, grouped, and their references.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "error: unexpected argument %q: diagram takes only flags (give compose files with -f)\n", fs.Arg(0))
		return 1
	}
	drawing := o.format
	if drawing != "dot" && drawing != "mermaid" && drawing != "svg" {
		fmt.Fprintf(stderr, "error: --format %q: use dot, mermaid or svg\n", drawing)
		return 1
	}
	o.environ = os.Environ()
	o.network.AssignPublicIP = !o.noPublicIP
	o.network.SubnetIDs = o.subnets
	o.network.SubnetImports = o.subnetImps

	// The diagram is drawn from exactly what convert prints as JSON; its notes on deploying are left out.
	o.format = "json"
	body, warnings, _, err := o.run(context.Background())
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	out, err := draw(body, drawing)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "error: writing the diagram: %v\n", err)
		return 1
	}
	return 0
}

func draw(body []byte, format string) ([]byte, error) {
	g, err := diagram.FromTemplate(body)
	if err != nil {
		return nil, err
	}
	switch format {
	case "mermaid":
		return g.Mermaid(), nil
	case "svg":
		return g.SVG(context.Background())
	default:
		return g.DOT(), nil
	}
}
