// Package overlay parses and merges x-aws-cloudformation overlays: CloudFormation template fragments that a
// compose file (or a ComposeStack) layers over the generated template.
//
// The merge follows what Docker's Compose for ECS did with kyaml's merge2: maps are merged key by key, a key
// only in the overlay is added, a scalar from the overlay wins, an explicit null removes the key, and a list
// from the overlay replaces the generated list whole. Users' existing overlays were written against those rules,
// so they must keep meaning the same thing here.
package overlay
