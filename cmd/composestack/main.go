// Command composestack converts Docker Compose projects to the CloudFormation templates the composestack
// controller deploys to ECS. See `composestack -h`.
package main

import (
	"os"

	"github.com/composestack/composestack/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
