// Package render turns a Docker Compose project into the AWS CloudFormation template that runs it on ECS.
//
// It reproduces Docker's retired "Compose for ECS" converter (`docker compose --context ecs convert`): the same
// resources, the same logical IDs and the same name normalisation, so existing x-aws-cloudformation overlays and
// stacks keep working. Where Docker's output was unsafe or failed cfn-lint, the renderer does better and says so in
// docs/compose-support.md.
//
// Render is pure: the same project and options give a byte-identical template, with no AWS calls, no clock and no
// randomness. Every map is iterated in sorted order.
package render
