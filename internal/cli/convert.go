package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/composestack/composestack/internal/compose"
	"github.com/composestack/composestack/internal/render"
)

// convertOptions are the parsed flags of `convert`.
type convertOptions struct {
	files        stringList
	envFiles     stringList
	overlays     stringList
	secretFiles  stringList
	profiles     stringList
	images       imageList
	fileSystems  fileSystemList
	projectName  string
	format       string
	network      render.Network
	noPublicIP   bool
	subnets      stringList
	subnetImps   stringList
	lbSubnetImps stringList
	helpers      render.Helpers
	efsBinds     stringList
	environ      []string // the process environment, KEY=value: interpolation variables over the env files
}

func newConvertCommand() (*cobra.Command, *convertOptions) {
	o := &convertOptions{images: imageList{}, fileSystems: fileSystemList{}}
	cmd := &cobra.Command{
		Use:   "convert [flags]",
		Short: "Print the CloudFormation template of a compose project (like docker compose convert)",
		Long: `Print the CloudFormation template the controller would deploy for a compose project, offline: without
--vpc and --subnet (or their imports) the network becomes template parameters. Warnings and notes go to stderr.`,
		Example: `  # The template of the compose project here, with an override file and an image built in CI
  TAG=$GIT_SHA composestack convert -f docker-compose.yaml -f override.yaml --image web=registry/web:$GIT_SHA

  # As JSON, into a given VPC, for cfn-lint
  composestack convert -f compose.yaml -p shop --vpc vpc-0abc --subnet subnet-1 --subnet subnet-2 --format json > template.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitStatus(o.convert(cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	o.register(cmd)
	cmd.Flags().StringVar(&o.format, "format", "yaml", "output `format`: yaml or json")
	completeValues(cmd, "format", "yaml", "json")
	return cmd, o
}

// register adds the flags that say what to render, shared by convert, diagram and diff. Those that docker
// compose convert has keep its names.
func (o *convertOptions) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.VarP(&o.files, "file", "f", "compose `file` (repeatable; later files override earlier ones; default: compose.yaml or docker-compose.yaml here)")
	fs.StringVarP(&o.projectName, "project-name", "p", "", "project `name` (default: COMPOSE_PROJECT_NAME, the compose file's name:, or its directory's name)")
	fs.Var(&o.envFiles, "env-file", "`file` of interpolation variables (repeatable; default: .env next to the first compose file); the process environment overrides them, as with docker compose")
	fs.Var(&o.profiles, "profile", "enable a `profile` (repeatable; default: COMPOSE_PROFILES from the env file)")
	fs.Var(&o.overlays, "overlay", "CloudFormation `file` merged over the template after x-aws-cloudformation (repeatable)")
	fs.Var(o.images, "image", "replace a service's image: `service=reference` (repeatable)")
	fs.Var(&o.efsBinds, "efs-bind-mount", "store the bind mounts of this `source` (as the compose file writes it) on EFS instead of refusing them; '*' for every host directory outside the project (repeatable)")
	fs.Var(&o.secretFiles, "secret-file", "treat this supporting `file` as sensitive, like files under .secret/ (repeatable)")
	fs.StringVar(&o.network.VPCID, "vpc", "", "VPC `ID` to deploy into (default: x-aws-vpc, else a template parameter)")
	fs.StringVar(&o.network.VPCImport, "vpc-import", "", "CloudFormation export `name` holding the VPC ID")
	fs.Var(&o.subnets, "subnet", "subnet `ID` (repeatable; default: a template parameter)")
	fs.Var(&o.subnetImps, "subnet-import", "CloudFormation export `name` holding a subnet ID (repeatable)")
	fs.Var(&o.lbSubnetImps, "lb-subnet-import", "CloudFormation export `name` holding a subnet ID for the load balancer instead of the tasks' subnets, such as a network's public subnet (repeatable)")
	fs.BoolVar(&o.noPublicIP, "no-public-ip", false, "do not give tasks public IPs (private subnets with NAT or endpoints)")
	fs.BoolVar(&o.network.InternalLoadBalancer, "internal-lb", false, "make the load balancer internal")
	fs.StringVar(&o.network.IngressCIDR, "ingress-cidr", "", "source `CIDR` allowed to reach published ports (default 0.0.0.0/0)")
	fs.StringVar(&o.helpers.Image, "helper-image", render.DefaultHelperImage, "`image` of the init containers that set search domains and write secret files (a copy in your own ECR, for private subnets without NAT)")
	fs.BoolVar(&o.helpers.DockerCompatible, "docker-compatible-helpers", false, "run Docker's helper images from Docker Hub, as Docker Compose for ECS did")
	fs.Var(o.fileSystems, "file-system", "mount an existing EFS file system for a named volume instead of creating one, such as the one an earlier stack of the project retained: `volume=fs-id` (repeatable)")
	for _, name := range []string{"file", "overlay"} {
		_ = cmd.MarkFlagFilename(name, "yaml", "yml", "json")
	}
	_ = cmd.MarkFlagFilename("env-file")
}

// complete sets what the flags imply and reads the process environment, once the flags are parsed.
func (o *convertOptions) complete() {
	o.environ = os.Environ()
	o.network.AssignPublicIP = !o.noPublicIP
	o.network.SubnetIDs = o.subnets
	o.network.SubnetImports = o.subnetImps
	o.network.LoadBalancerSubnetImports = o.lbSubnetImps
}

// convert runs `convert` and returns its exit status.
func (o *convertOptions) convert(stdout, stderr io.Writer) int {
	if o.format != "yaml" && o.format != "json" {
		fmt.Fprintf(stderr, "error: --format %q: use yaml or json\n", o.format)
		return 1
	}
	o.complete()

	out, warnings, notes, err := o.run(context.Background())
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "note: %s\n", n)
	}
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

// completeValues offers values for a flag in shell completion, and no files.
func completeValues(cmd *cobra.Command, flag string, values ...string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// run loads, renders and formats. It returns the output, the warnings (on error, those found so far) and notes
// on deploying the template.
func (o *convertOptions) run(ctx context.Context) (out []byte, warnings, notes []string, err error) {
	in, err := readInputs(ctx, o)
	if err != nil {
		return nil, nil, nil, err
	}
	loaded, err := in.prepared.Load(in.source.Supporting)
	if err != nil {
		return nil, nil, nil, err
	}
	warnings = loaded.Warnings
	res, err := o.render(in, loaded, o.network, o.fileSystems)
	if err != nil {
		return nil, warnings, nil, err
	}
	warnings = append(warnings, res.Warnings...)
	notes = parameterNotes(res)

	switch o.format {
	case "json":
		var buf bytes.Buffer
		if err := json.Indent(&buf, res.Body, "", "  "); err != nil {
			return nil, warnings, notes, fmt.Errorf("formatting the template as JSON: %w", err)
		}
		buf.WriteByte('\n')
		out = buf.Bytes()
	default:
		if out, err = res.YAML(); err != nil {
			return nil, warnings, notes, fmt.Errorf("formatting the template as YAML: %w", err)
		}
	}
	return out, warnings, notes, nil
}

// parameterNotes tells the user which template parameters a deployment must supply. Values are never shown:
// the ones the renderer computes are sensitive (secret contents).
func parameterNotes(res *render.Result) []string {
	if res.Template == nil || len(res.Template.Parameters) == 0 {
		return nil
	}
	computed := map[string]bool{}
	for _, p := range res.Parameters {
		computed[p.Key] = true
	}
	var open, secret []string
	for name := range res.Template.Parameters {
		if computed[name] {
			secret = append(secret, name)
		} else {
			open = append(open, name)
		}
	}
	sort.Strings(open)
	sort.Strings(secret)
	var notes []string
	if len(open) > 0 {
		notes = append(notes, fmt.Sprintf("the template takes parameters %s: pass them when deploying, or set the network with --vpc/--subnet (or --vpc-import/--subnet-import)",
			strings.Join(open, ", ")))
	}
	if len(secret) > 0 {
		notes = append(notes, fmt.Sprintf("the template takes sensitive parameters %s (secret contents, not shown): the controller passes them; with the AWS CLI, pass them yourself",
			strings.Join(secret, ", ")))
	}
	return notes
}

// render renders the loaded project of in into network, mounting fileSystems for named volumes.
func (o *convertOptions) render(in *inputs, loaded *compose.Loaded, network render.Network, fileSystems map[string]string) (*render.Result, error) {
	res, err := render.Render(loaded.Project, render.Options{
		ProjectName:    in.source.ProjectName,
		Network:        network,
		Overlays:       in.overlays,
		SensitiveEnv:   loaded.SensitiveEnv,
		Files:          loaded.Files,
		SensitiveFiles: loaded.SensitiveFiles,
		EFSBindMounts:  o.efsBinds,
		Helpers:        o.helpers,
		FileSystems:    fileSystems,
	})
	if err != nil {
		// An overlay is named as the user gave it, as when it cannot be read.
		if oe := (*render.OverlayError)(nil); errors.As(err, &oe) && oe.Index >= 0 && oe.Index < len(in.overlayNames) {
			return nil, fmt.Errorf("%s: %w", in.overlayNames[oe.Index], oe.Err)
		}
		return nil, fmt.Errorf("rendering project %q: %w", in.source.ProjectName, err)
	}
	return res, nil
}
