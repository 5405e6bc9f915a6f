package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/composestack/composestack/internal/awsclient"
)

// exitCode ends a command with a status other than 0 once the command has said why on stderr (or, for diff's
// 2, said nothing wrong at all).
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

// exitStatus turns a command's status into RunE's error: nil for 0.
func exitStatus(code int) error {
	if code == 0 {
		return nil
	}
	return exitCode(code)
}

// Run runs the command line args (without the program name), writing the result to stdout and messages to
// stderr, and returns the exit code: 0 on success, 1 on any error or misuse (diff: 2 when there are changes).
func Run(args []string, stdout, stderr io.Writer) int { return execute(args, stdout, stderr, nil) }

// execute is Run with diff's SDK configured by awsOpts instead of its flags, when it is set (tests).
func execute(args []string, stdout, stderr io.Writer, awsOpts *awsclient.Options) int {
	// compose-go logs through the global logrus logger; what it has to say (an obsolete `version`, an unset
	// variable) comes back from the loader as warnings, printed once in our own format.
	logrus.SetOutput(io.Discard)

	root := newRootCommand(awsOpts)
	root.SetOut(stdout)
	root.SetErr(stderr)
	// A nil slice would make cobra read os.Args.
	root.SetArgs(append([]string{}, args...))
	cmd, err := root.ExecuteC()
	if code := exitCode(0); errors.As(err, &code) {
		return int(code)
	}
	if err != nil {
		// Cobra's own errors: an unknown command or flag, a bad flag value, arguments where none belong.
		fmt.Fprintf(stderr, "error: %v\nRun '%s --help' for usage.\n", err, cmd.CommandPath())
		return 1
	}
	return 0
}

func newRootCommand(awsOpts *awsclient.Options) *cobra.Command {
	root := &cobra.Command{
		Use:   "composestack",
		Short: "Render Docker Compose projects as the CloudFormation stacks the composestack controller deploys",
		Long: `composestack renders a Docker Compose project into the CloudFormation template the composestack controller
deploys, with the same loader and renderer, as ` + "`docker compose --context ecs convert`" + ` did; it previews the
change a deployment would make and draws the template.`,
		Example: `  composestack convert -f docker-compose.yaml > stack.yaml
  composestack diff -k deploy/shop.yaml
  composestack diagram -f docker-compose.yaml --format svg > stack.svg
  source <(composestack completion bash)`,
		Version: versionString(),
		// Errors and usage are printed once, by execute, in our format.
		SilenceErrors: true,
		SilenceUsage:  true,
		// Without a command there is nothing to do: say how to use it, and fail as any misuse does.
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(cmd.ErrOrStderr(), cmd.UsageString())
			return exitCode(1)
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.CompletionOptions.DisableDefaultCmd = true // ours, below, has examples and only the shells we test
	convert, _ := newConvertCommand()
	convert.AddCommand(newConvertNetworkCommand())
	diagram, _ := newDiagramCommand()
	diff, _ := newDiffCommand(awsOpts)
	root.AddCommand(convert, diagram, diff, newVersionCommand(), newCompletionCommand())
	return root
}

// noArgs refuses positional arguments with a hint: compose files are given with -f, as to docker compose.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q: %s takes only flags (give compose files with -f)", args[0], cmd.Name())
	}
	return nil
}
