package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/network"
	"github.com/composestack/composestack/internal/render"
)

// networkOptions are the parsed flags of `convert network`.
type networkOptions struct {
	manifest  string
	stackName string
	region    string
	cidr      string
	zones     int
	nat       string
	endpoints stringList
	format    string
}

func newConvertNetworkCommand() *cobra.Command {
	o := &networkOptions{}
	cmd := &cobra.Command{
		Use:   "network [flags]",
		Short: "Print the CloudFormation template of a ComposeNetwork (a VPC with public and private subnets)",
		Long: `Print the CloudFormation template the controller deploys for a ComposeNetwork, offline: a VPC over 2 or 3
Availability Zones with a public and a private subnet in each, an internet gateway, NAT gateways and VPC
endpoints as asked, and exports named <stack name>-VpcId, -PublicSubnet<n> and -PrivateSubnet<n>. Give a
ComposeNetwork manifest with -f, or the flags; flags given with -f override the manifest.`,
		Example: `  # The network of a ComposeNetwork manifest
  composestack convert network -f network.yaml

  # Three zones, a NAT gateway in each, and the endpoints private tasks need, as JSON for cfn-lint
  composestack convert network --stack-name shop-net --zones 3 --nat PerZone --endpoint ecr.api --endpoint ecr.dkr --endpoint logs --endpoint s3 --format json > network.json

  # No NAT at all: private tasks reach ECR, logs and secrets through endpoints only
  composestack convert network --stack-name isolated --cidr 10.8.0.0/20 --nat None --endpoint ecr.api --endpoint ecr.dkr --endpoint logs --endpoint secretsmanager --endpoint s3`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitStatus(o.run(cmd, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.manifest, "file", "f", "", "ComposeNetwork manifest `file` (YAML or JSON)")
	fs.StringVar(&o.stackName, "stack-name", "", "CloudFormation stack `name`, the prefix of the exports (needed without -f; with -f, default: spec.stack.name, else <namespace>-<name>-<hash> as the controller names it)")
	fs.StringVar(&o.region, "region", "", "`region` named in the template's description (default: the manifest's spec.stack.region)")
	fs.StringVar(&o.cidr, "cidr", network.DefaultCIDR, "the VPC's IPv4 `range`; each subnet takes an equal part")
	fs.IntVar(&o.zones, "zones", network.DefaultZones, "Availability `zones`: 2 or 3")
	fs.StringVar(&o.nat, "nat", string(network.DefaultNAT), "NAT `mode`: Single (one shared gateway), PerZone (one per zone) or None")
	fs.Var(&o.endpoints, "endpoint", "VPC `endpoint` to create: "+strings.Join(network.EndpointNames(), ", ")+" (repeatable)")
	fs.StringVar(&o.format, "format", "yaml", "output `format`: yaml or json")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml", "json")
	completeValues(cmd, "nat", string(csv1.NATSingle), string(csv1.NATPerZone), string(csv1.NATNone))
	completeValues(cmd, "zones", "2", "3")
	completeValues(cmd, "endpoint", network.EndpointNames()...)
	completeValues(cmd, "format", "yaml", "json")
	return cmd
}

// run prints the template and returns the exit status.
func (o *networkOptions) run(cmd *cobra.Command, stdout, stderr io.Writer) int {
	out, err := o.template(cmd)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "error: writing the template: %v\n", err)
		return 1
	}
	return 0
}

// template renders the network the manifest and the flags describe, in the asked format.
func (o *networkOptions) template(cmd *cobra.Command) ([]byte, error) {
	if o.format != "yaml" && o.format != "json" {
		return nil, fmt.Errorf("--format %q: use yaml or json", o.format)
	}
	in, err := o.input(cmd)
	if err != nil {
		return nil, err
	}
	body, err := network.Render(in)
	if err != nil {
		return nil, o.flagNames(err)
	}
	if o.format == "yaml" {
		return render.TemplateYAML(body)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		return nil, fmt.Errorf("formatting the template as JSON: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// input is the manifest's spec with the flags given over it; without a manifest, the flags alone.
func (o *networkOptions) input(cmd *cobra.Command) (network.Input, error) {
	changed := cmd.Flags().Changed
	var in network.Input
	if o.manifest != "" {
		obj := &csv1.ComposeNetwork{}
		if err := decodeManifest("-f", o.manifest, "ComposeNetwork", obj, &obj.TypeMeta, &obj.ObjectMeta); err != nil {
			return in, err
		}
		in = network.InputFor(obj.Spec, networkStackName(obj), obj.Spec.Stack.Region)
	}
	if o.manifest == "" || changed("stack-name") {
		in.StackName = o.stackName
	}
	if in.StackName == "" {
		return in, fmt.Errorf("--stack-name: name the CloudFormation stack (its exports start with the name), or give a ComposeNetwork manifest with -f")
	}
	if o.manifest == "" || changed("region") {
		in.Region = o.region
	}
	if o.manifest == "" || changed("cidr") {
		in.CIDR = o.cidr
	}
	if o.manifest == "" || changed("zones") {
		in.Zones = o.zones
	}
	if o.manifest == "" || changed("nat") {
		in.NAT = csv1.NATMode(o.nat)
	}
	if o.manifest == "" || changed("endpoint") {
		in.Endpoints = nil
		for _, e := range o.endpoints {
			in.Endpoints = append(in.Endpoints, csv1.VPCEndpoint(e))
		}
	}
	return in, nil
}

// networkStackName is the stack name the controller gives a ComposeNetwork: spec.stack.name, else the default
// of ComposeStacks, in the manifest's namespace ("default" when it names none, as kubectl applies it).
func networkStackName(obj *csv1.ComposeNetwork) string {
	if obj.Spec.Stack.Name != "" {
		return obj.Spec.Stack.Name
	}
	ns := obj.Namespace
	if ns == "" {
		ns = "default"
	}
	return csv1.DefaultStackName(ns, obj.Name)
}

// flagNames adds, to an error about a spec field the user gave as a flag, the flag's name.
func (o *networkOptions) flagNames(err error) error {
	if o.manifest != "" {
		return err
	}
	for field, flag := range map[string]string{"spec.cidr": "--cidr", "spec.zones": "--zones", "spec.nat": "--nat", "spec.endpoints": "--endpoint", "spec.stack.name": "--stack-name"} {
		if strings.HasPrefix(err.Error(), field) {
			return fmt.Errorf("%s: %w", flag, err)
		}
	}
	return err
}
