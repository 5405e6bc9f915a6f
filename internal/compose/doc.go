// Package compose loads a Docker Compose project from files held in memory, the way Docker Compose v2 loads it
// from disk: same merge of several compose files, same interpolation, profiles and env_file parsing (through
// compose-go v2). It never reads the disk or the process environment, so the controller can load a project
// from a Kubernetes object and the CLI can load one from files it read itself, with the same result.
//
// Values read from env files marked sensitive (those that come from a Kubernetes Secret, or the CLI's .secret/
// files) are kept apart from the service environment so the renderer can store them in Secrets Manager instead
// of writing them into the template.
package compose
