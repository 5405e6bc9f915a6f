package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/composestack/composestack/internal/stack"
)

// printPreview writes p for a person: one line per resource, then the properties that cause each change and
// the risky replacements.
func printPreview(w io.Writer, p *stack.Preview) error {
	var b strings.Builder
	switch {
	case p.Create:
		fmt.Fprintf(&b, "Stack %s does not exist: it would be created with %s.\n", p.StackName, resources(len(p.Changes)))
	case len(p.Changes) == 0:
		fmt.Fprintf(&b, "Stack %s: no changes.\n", p.StackName)
		_, err := io.WriteString(w, b.String())
		return err
	default:
		fmt.Fprintf(&b, "Stack %s: %s would change.\n", p.StackName, resources(len(p.Changes)))
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tLOGICAL ID\tTYPE\tREPLACEMENT\tCAUSED BY")
	for _, c := range p.Changes {
		repl := c.Replacement
		if repl == "" {
			repl = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Action, c.LogicalID, c.Type, repl, causes(c.Causes))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(p.Risks) > 0 {
		b.WriteString("\nReplaced or removed, with the state or traffic they hold:\n")
		for _, r := range p.Risks {
			fmt.Fprintf(&b, "  %s\n", r)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// causes lists the properties behind a change, marking those that recreate the resource.
func causes(cs []stack.Cause) string {
	if len(cs) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		s := c.Property
		if c.RequiresRecreation == "Always" || c.RequiresRecreation == "Conditionally" {
			s += " (recreates: " + strings.ToLower(c.RequiresRecreation) + ")"
		}
		if c.CausingEntity != "" {
			s += " <- " + c.CausingEntity
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func resources(n int) string {
	if n == 1 {
		return "1 resource"
	}
	return fmt.Sprintf("%d resources", n)
}
