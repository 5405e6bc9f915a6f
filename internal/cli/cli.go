package cli

import (
	"fmt"
	"io"

	"github.com/sirupsen/logrus"
)

const usage = `Usage: composestack <command> [flags]

Commands:
  convert   print the CloudFormation template of a compose project (like docker compose convert)
  diagram   draw that template: its resources, grouped, and their references (DOT, Mermaid or SVG)
  diff      preview the changes to the live stack as a change set, never executed (exit 2 when there are changes)
  version   print the version

Run 'composestack <command> -h' for the flags of a command.
`

// Run runs the command line args (without the program name), writing the result to stdout and messages to
// stderr, and returns the exit code: 0 on success, 1 on any error (diff: 2 when there are changes).
func Run(args []string, stdout, stderr io.Writer) int {
	// compose-go logs through the global logrus logger; what it has to say (an obsolete `version`, an unset
	// variable) comes back from the loader as warnings, printed once in our own format.
	logrus.SetOutput(io.Discard)

	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 1
	}
	switch args[0] {
	case "convert":
		return convert(args[1:], stdout, stderr)
	case "diagram":
		return drawDiagram(args[1:], stdout, stderr)
	case "diff":
		return diff(args[1:], stdout, stderr)
	case "version", "--version":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "error: version takes no arguments, got %q\n", args[1:])
			return 1
		}
		printVersion(stdout)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "error: unknown command %q\n\n%s", args[0], usage)
		return 1
	}
}
