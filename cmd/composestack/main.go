// Command composestack prints the CloudFormation template that the composestack controller deploys for a
// Docker Compose project, as `docker compose --context ecs convert` did:
//
//	composestack convert -f docker-compose.yaml [-f override.yaml] [--env-file .env] [--overlay extra.yaml] \
//	    [--image service=reference] [--project-name NAME] [--profile P] [--vpc ID --subnet ID --subnet ID] \
//	    [--format yaml|json] > stack.yaml
//	composestack diff -k deploy/shop.yaml       # or -f with convert's flags; exit 2 when there are changes
//	composestack diagram -f docker-compose.yaml --format dot|mermaid|svg
//	composestack completion bash|zsh|fish
//	composestack version
//
// env_file, label_file and secret files are read next to the first compose file; those under a .secret/
// directory, or named with --secret-file, are sensitive and never printed. See `composestack <command> --help`.
package main

import (
	"os"

	"github.com/composestack/composestack/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
