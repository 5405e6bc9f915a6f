package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/composestack/composestack/internal/diagram"
)

func newDiagramCommand() (*cobra.Command, *convertOptions) {
	o := &convertOptions{images: imageList{}, fileSystems: fileSystemList{}}
	var drawing string
	cmd := &cobra.Command{
		Use:   "diagram [flags]",
		Short: "Draw the template: its resources, grouped, and their references (DOT, Mermaid or SVG)",
		Long: `Draw the CloudFormation template of a compose project, from the same inputs and flags as convert: every
resource and parameter as a node, grouped, and an edge for each reference. SVG is laid out in the process; no
Graphviz is needed.`,
		Example: `  # An SVG of the compose project here
  composestack diagram -f docker-compose.yaml --format svg > stack.svg

  # A Mermaid flowchart to paste into Markdown
  composestack diagram -f compose.yaml -p shop --format mermaid`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitStatus(o.drawDiagram(drawing, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	o.register(cmd)
	cmd.Flags().StringVar(&drawing, "format", "dot", "output `format`: dot, mermaid or svg (laid out in process; no Graphviz needed)")
	completeValues(cmd, "format", "dot", "mermaid", "svg")
	return cmd, o
}

// drawDiagram runs `diagram` and returns its exit status.
func (o *convertOptions) drawDiagram(drawing string, stdout, stderr io.Writer) int {
	if drawing != "dot" && drawing != "mermaid" && drawing != "svg" {
		fmt.Fprintf(stderr, "error: --format %q: use dot, mermaid or svg\n", drawing)
		return 1
	}
	o.complete()

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
