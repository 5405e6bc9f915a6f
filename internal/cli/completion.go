package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// completionShells are the shells completion writes scripts for, with cobra's generators.
var completionShells = []string{"bash", "zsh", "fish"}

func newCompletionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script for bash, zsh or fish",
		Long: `Print a script that completes composestack's commands, flags and flag values (such as --format) in bash, zsh
or fish. Load it in the current shell, or install it where the shell looks for completions.`,
		Example: `  # bash (needs the bash-completion package), now and in new shells
  source <(composestack completion bash)
  composestack completion bash > /etc/bash_completion.d/composestack

  # zsh, with compinit enabled
  composestack completion zsh > "${fpath[1]}/_composestack"

  # fish
  composestack completion fish > ~/.config/fish/completions/composestack.fish`,
		ValidArgs: completionShells,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("completion takes one shell, bash, zsh or fish; got %q", args)
			}
			return nil
		},
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			default:
				return fmt.Errorf("no completion for shell %q: use bash, zsh or fish", args[0])
			}
		},
	}
}
