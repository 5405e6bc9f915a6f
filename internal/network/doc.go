// Package network renders the CloudFormation template of a ComposeNetwork: a VPC over two or three Availability
// Zones, each with a public and a private subnet, an internet gateway, NAT gateways as asked, optional VPC
// endpoints, and exports that ComposeStacks import (ExportNames is the one place their names are made).
//
// Render is pure, like internal/render: the same Input gives a byte-identical template, with no AWS calls. The
// template is goformation structs marshalled by encoding/json, with the intrinsic-function tokens of
// render.Tokens.
package network
