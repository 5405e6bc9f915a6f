package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/composestack/composestack/internal/awsclient"
	"github.com/composestack/composestack/internal/compose"
	"github.com/composestack/composestack/internal/render"
	"github.com/composestack/composestack/internal/stack"
)

// Exit codes of diff, as `terraform plan -detailed-exitcode` and `kubectl diff` have them.
const (
	diffNoChanges = 0
	diffError     = 1
	diffChanges   = 2
)

// diffOptions are the parsed flags of `diff`.
type diffOptions struct {
	convertOptions
	manifest, namespace    string
	stackName, bucket      string
	region, role, endpoint string
	output                 string
	timeout                time.Duration
	params                 paramList
	// aws, when set, replaces the SDK configuration the flags describe (tests).
	aws *awsclient.Options
}

// paramList is the repeatable --parameter key=value flag.
type paramList map[string]string

func (m paramList) String() string { return imageList(m).String() }

func (m paramList) Set(v string) error { return setPair(m, v, "key", "value") }

func (m paramList) Type() string { return "key=value" }

// manifestExclusive are the flags that say what to render, which a manifest says itself.
var manifestExclusive = map[string]bool{"file": true, "project-name": true, "env-file": true,
	"profile": true, "overlay": true, "image": true, "efs-bind-mount": true, "secret-file": true, "vpc": true,
	"vpc-import": true, "subnet": true, "subnet-import": true, "lb-subnet-import": true, "no-public-ip": true, "internal-lb": true,
	"ingress-cidr": true, "file-system": true, "parameter": true}

// newDiffCommand is `diff`; awsOpts, when set, replaces the SDK configuration its flags describe (tests).
func newDiffCommand(awsOpts *awsclient.Options) (*cobra.Command, *diffOptions) {
	o := &diffOptions{convertOptions: convertOptions{images: imageList{}, fileSystems: fileSystemList{}}, params: paramList{}, aws: awsOpts}
	cmd := &cobra.Command{
		Use:   "diff [flags]",
		Short: "Preview the changes to the live stack as a change set, never executed (exit 2 when there are changes)",
		Long: `Preview what deploying a ComposeStack manifest (-k) or compose project (-f, with the convert flags) would change
in its CloudFormation stack: a change set is created, read and deleted, never executed.
Exit status: 0 no changes, 2 changes, 1 error.`,
		Example: `  # A manifest, as the controller would deploy it (its region, role and bucket from the spec)
  composestack diff -k deploy/shop.yaml --namespace shop

  # A compose project with an overlay, as JSON for a pipeline
  composestack diff -f compose.yaml --overlay overlays/production.yaml --stack-name shop-production --region eu-west-1 --output json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitStatus(o.diff(cmd.Flags(), cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	o.register(cmd)
	fs := cmd.Flags()
	fs.StringVarP(&o.manifest, "manifest", "k", "", "ComposeStack manifest `file` to preview instead of compose files (inline values only)")
	fs.StringVar(&o.namespace, "namespace", "", "`namespace` of the manifest's ComposeStack (default: its metadata.namespace, else default)")
	fs.StringVar(&o.stackName, "stack-name", "", "CloudFormation stack `name` (default: the manifest's; required with compose files)")
	fs.Var(o.params, "parameter", "template parameter `key=value` (repeatable; with compose files)")
	fs.StringVar(&o.bucket, "template-bucket", "", "S3 `bucket` for templates too large to send inline (default: the manifest's spec.stack.templateBucket)")
	fs.StringVar(&o.region, "region", "", "AWS `region` (default: the manifest's spec.stack.region, else AWS_REGION or AWS_DEFAULT_REGION)")
	fs.StringVar(&o.role, "role-arn", "", "IAM `role` to assume (default: the manifest's spec.stack.roleARN)")
	fs.StringVar(&o.endpoint, "endpoint-url", "", "AWS endpoint `URL` for every service, such as a local CloudFormation")
	fs.StringVar(&o.output, "output", "text", "output `format`: text or json")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for CloudFormation to compute the changes")
	_ = cmd.MarkFlagFilename("manifest", "yaml", "yml", "json")
	completeValues(cmd, "output", "text", "json")
	return cmd, o
}

// diff runs `diff` once fs is parsed and returns its exit status.
func (o *diffOptions) diff(fs *pflag.FlagSet, stdout, stderr io.Writer) int {
	if o.output != "text" && o.output != "json" {
		fmt.Fprintf(stderr, "error: --output %q: use text or json\n", o.output)
		return diffError
	}
	if o.manifest != "" {
		var clash string
		fs.Visit(func(f *pflag.Flag) {
			if manifestExclusive[f.Name] && clash == "" {
				clash = f.Name
			}
		})
		if clash != "" {
			fmt.Fprintf(stderr, "error: --%s: give either a manifest (-k) or compose files with the convert flags, not both\n", clash)
			return diffError
		}
	}
	o.complete()

	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	p, warnings, err := o.run(ctx)
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return diffError
	}
	if o.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(p)
	} else {
		err = printPreview(stdout, p)
	}
	if err != nil {
		fmt.Fprintf(stderr, "error: writing the changes: %v\n", err)
		return diffError
	}
	if p.Create || len(p.Changes) > 0 {
		return diffChanges
	}
	return diffNoChanges
}

// run renders the stack as the controller would and previews it.
func (o *diffOptions) run(ctx context.Context) (*stack.Preview, []string, error) {
	want, sc, warnings, err := o.desired(ctx)
	if err != nil {
		return nil, warnings, err
	}
	p, err := sc.Preview(ctx, want)
	return p, warnings, err
}

// desired is the stack the controller would converge to, looking up in AWS what the template needs. The
// owner has no UID: the preview takes the live stack's.
func (o *diffOptions) desired(ctx context.Context) (stack.Desired, *stack.Client, []string, error) {
	want := stack.Desired{StackName: o.stackName, TemplateBucket: o.bucket}
	var in *inputs
	var loaded *compose.Loaded
	var err error
	if o.manifest != "" {
		obj, err := readManifest(o.manifest)
		if err != nil {
			return want, nil, nil, err
		}
		if o.namespace != "" {
			obj.Namespace = o.namespace
		} else if obj.Namespace == "" {
			obj.Namespace = "default"
		}
		if want.StackName == "" {
			want.StackName = obj.StackName()
		}
		if want.TemplateBucket == "" {
			want.TemplateBucket = obj.Spec.Stack.TemplateBucket
		}
		if o.region == "" {
			o.region = obj.Spec.Stack.Region
		}
		if o.role == "" {
			o.role = obj.Spec.Stack.RoleARN
		}
		spec := obj.Spec.Stack
		want.Tags, want.Adopt = spec.Tags, spec.Adopt
		want.Owner = stack.Owner{Namespace: obj.Namespace, Name: obj.Name}
		for k, v := range spec.Parameters {
			o.params[k] = v
		}
		manifestOptions(obj, &o.convertOptions)
		if in, err = manifestInputs(obj); err != nil {
			return want, nil, nil, err
		}
		if loaded, err = compose.Load(ctx, in.source); err != nil {
			return want, nil, nil, fmt.Errorf("spec.compose: %w", err)
		}
	} else {
		if want.StackName == "" {
			return want, nil, nil, errors.New("--stack-name is required with compose files (or give a manifest with -k)")
		}
		if in, err = readInputs(ctx, &o.convertOptions); err != nil {
			return want, nil, nil, err
		}
		if loaded, err = in.prepared.Load(in.source.Supporting); err != nil {
			return want, nil, nil, err
		}
	}
	warnings := loaded.Warnings

	sc, err := o.stackClient(ctx)
	if err != nil {
		return want, nil, warnings, err
	}
	needs, err := render.NeedsOf(loaded.Project, o.network)
	if err != nil {
		return want, nil, warnings, err
	}
	network, err := stack.Place(ctx, needs, o.network, sc)
	if err != nil {
		return want, nil, warnings, err
	}
	fileSystems, err := sc.FindRetainedFileSystems(ctx, in.source.ProjectName, needs.Volumes)
	if err != nil {
		return want, nil, warnings, err
	}
	// A file system given with --file-system wins over one found retained, as the user said so.
	for vol, id := range o.fileSystems {
		if fileSystems == nil {
			fileSystems = map[string]string{}
		}
		fileSystems[vol] = id
	}
	res, err := o.render(in, loaded, network, fileSystems)
	if err != nil {
		return want, nil, warnings, err
	}
	warnings = append(warnings, res.Warnings...)
	want.TemplateBody, want.Project = res.Body, res.ProjectName
	for _, p := range res.Parameters {
		want.Parameters = append(want.Parameters, stack.Parameter{Key: p.Key, Value: p.Value, Sensitive: p.Sensitive})
	}
	for k, v := range o.params {
		want.Parameters = append(want.Parameters, stack.Parameter{Key: k, Value: v})
	}
	return want, sc, warnings, nil
}

// stackClient builds the AWS clients as the manager does, with a short poll for a person waiting.
func (o *diffOptions) stackClient(ctx context.Context) (*stack.Client, error) {
	opts := awsclient.Options{Endpoint: o.endpoint}
	if o.aws != nil {
		opts = *o.aws
	}
	if opts.Driver.PollInterval == 0 {
		opts.Driver.PollInterval = 2 * time.Second
	}
	region := o.region
	for _, v := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if region == "" {
			region = os.Getenv(v)
		}
	}
	if region == "" {
		return nil, errors.New("no AWS region: give --region, set spec.stack.region in the manifest, or set AWS_REGION")
	}
	return awsclient.New(opts).Stack(ctx, region, o.role)
}
