// Package cli is the composestack command line: `composestack convert` prints the CloudFormation template for a
// compose project, as `docker compose --context ecs convert` did, using the same loader and renderer as the
// controller so that what the CLI prints is what the controller deploys.
package cli
