package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/composestack/composestack/internal/awsclient"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
	"github.com/composestack/composestack/internal/stack/mototest"
)

const diffCompose = `name: shop
services:
  web:
    image: nginx:1.27
    ports: ["80:80"]
`

// TestDiffAgainstLocalCloudFormation previews a project through the real SDK against cfnlocal: before the
// stack exists, once it runs the same template, and after a change; no change set is left behind.
func TestDiffAgainstLocalCloudFormation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts, cl := localAWS(t)
	subnets, err := cl.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil || len(subnets.Subnets) == 0 {
		t.Fatalf("no subnets in cfnlocal: %v", err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte(diffCompose), 0o600); err != nil {
		t.Fatal(err)
	}
	place := []string{"-f", file, "--vpc", aws.ToString(subnets.Subnets[0].VpcId), "--subnet", aws.ToString(subnets.Subnets[0].SubnetId)}
	run := func(extra ...string) (int, string) {
		t.Helper()
		var out, errs bytes.Buffer
		args := append([]string{"--stack-name", "shop", "--region", "us-east-1"}, append(place, extra...)...)
		code := diffWith(args, &out, &errs, opts)
		if code == diffError {
			t.Fatalf("diff %q: %s", args, errs.String())
		}
		return code, out.String()
	}

	code, out := run()
	if code != diffChanges || !strings.Contains(out, "does not exist: it would be created") || !strings.Contains(out, "AWS::ECS::Service") {
		t.Fatalf("before the stack: exit %d, output:\n%s", code, out)
	}

	var tpl, errs bytes.Buffer
	if code := Run(append([]string{"convert", "--format", "json"}, place...), &tpl, &errs); code != 0 {
		t.Fatalf("convert: %s", errs.String())
	}
	_, err = cl.CloudFormation.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName: aws.String("shop"), TemplateBody: aws.String(tpl.String()),
		Capabilities: []types.Capability{types.CapabilityCapabilityIam},
		Tags:         []types.Tag{{Key: aws.String("com.docker.compose.project"), Value: aws.String("shop")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	w := cloudformation.NewStackCreateCompleteWaiter(cl.CloudFormation, func(o *cloudformation.StackCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("shop")}, time.Minute); err != nil {
		t.Fatal(err)
	}

	if code, out := run(); code != diffNoChanges || !strings.Contains(out, "no changes") {
		t.Fatalf("unchanged: exit %d, output:\n%s", code, out)
	}

	if err := os.WriteFile(file, []byte(strings.Replace(diffCompose, "nginx:1.27", "nginx:1.28", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out = run("--output", "json")
	var p stack.Preview
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("json output: %v\n%s", err, out)
	}
	modified := map[string]string{}
	for _, c := range p.Changes {
		modified[c.Type] = c.Action
	}
	if code != diffChanges || p.Create || modified["AWS::ECS::TaskDefinition"] != "Modify" {
		t.Fatalf("changed image: exit %d, preview %+v", code, p)
	}

	sets, err := cl.CloudFormation.ListChangeSets(ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	if len(sets.Summaries) != 0 {
		t.Fatalf("change sets left behind: %+v", sets.Summaries)
	}
	st, err := cl.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("shop")})
	if err != nil || st.Stacks[0].StackStatus != types.StackStatusCreateComplete {
		t.Fatalf("the stack moved: %v %+v", err, st)
	}
}

// TestPrintPreviewNamesCauses checks the text output where cfnlocal cannot: the properties behind a change.
func TestPrintPreviewNamesCauses(t *testing.T) {
	var out bytes.Buffer
	err := printPreview(&out, &stack.Preview{StackName: "shop", Changes: []stack.ResourceChange{{
		LogicalID: "WebTaskDefinition", Type: "AWS::ECS::TaskDefinition", Action: "Modify", Replacement: "True",
		Causes: []stack.Cause{{Property: "ContainerDefinitions", RequiresRecreation: "Always"}, {Property: "Tags", RequiresRecreation: "Never", CausingEntity: "Env"}},
	}}, Risks: []string{"X (AWS::ECS::Service): replaced"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 resource would change", "ContainerDefinitions (recreates: always), Tags <- Env", "X (AWS::ECS::Service): replaced"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// localAWS starts cfnlocal and returns the SDK options for diff and clients for the test, all through the
// real SDK.
func localAWS(t *testing.T) (*awsclient.Options, *awsclient.Clients) {
	t.Helper()
	srv, err := cfnlocal.NewServer(cfnlocal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	opts := &awsclient.Options{Endpoint: srv.URL(), Credentials: mototest.Credentials, RetryMaxAttempts: 1,
		HTTPClient: cfnlocal.HTTPClient(), Driver: stack.Options{PollInterval: 50 * time.Millisecond}}
	cl, err := awsclient.New(*opts).Clients(context.Background(), "us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	return opts, cl
}

const diffManifest = `apiVersion: composestack.dev/v1alpha1
kind: ComposeStack
metadata:
  name: shop
  namespace: team-a
spec:
  stack:
    region: us-east-1
  compose:
    files:
      - name: compose.yaml
        inline: |
          services:
            web:
              image: nginx:1.27
              ports: ["80:80"]
`

// TestDiffManifestPreviewsAsTheOwner previews a manifest's stack before and after its controller made it,
// and refuses to preview it for another ComposeStack, as the controller refuses to update it.
func TestDiffManifestPreviewsAsTheOwner(t *testing.T) {
	opts, _ := localAWS(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	manifest := write("shop.yaml", diffManifest)
	run := func(path string) (int, string, string) {
		var out, errs bytes.Buffer
		code := diffWith([]string{"-k", path}, &out, &errs, opts)
		return code, out.String(), errs.String()
	}
	if code, out, errs := run(manifest); code != diffChanges || !strings.Contains(out, "would be created") {
		t.Fatalf("before the stack: exit %d\n%s%s", code, out, errs)
	}

	// The controller's first sync: the same Desired, with the object's UID.
	_, o := newDiffCommand(opts)
	o.manifest = manifest
	want, sc, _, err := o.desired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want.Owner.UID = "uid-1"
	for {
		res, err := sc.Sync(ctx, want)
		if err != nil {
			t.Fatal(err)
		}
		if res.Phase == stack.PhaseConverged {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, out, errs := run(manifest); code != diffNoChanges {
		t.Fatalf("as deployed: exit %d\n%s%s", code, out, errs)
	}

	other := write("other.yaml", strings.Replace(diffManifest, "  stack:\n", "  stack:\n    name: "+want.StackName+"\n", 1))
	other = write("other.yaml", strings.Replace(mustRead(t, other), "name: shop\n", "name: shop-copy\n", 1))
	if code, _, errs := run(other); code != diffError || !strings.Contains(errs, "belongs to another ComposeStack") {
		t.Fatalf("another object's stack: exit %d, %s", code, errs)
	}

	refs := write("refs.yaml", strings.SplitAfter(diffManifest, "      - name: compose.yaml\n")[0]+"        configMapKeyRef: {name: shop, key: compose.yaml}\n")
	if code, _, errs := run(refs); code != diffError || !strings.Contains(errs, "spec.compose.files[0]: diff reads no ConfigMaps or Secrets") {
		t.Fatalf("a ConfigMap reference: exit %d, %s", code, errs)
	}
	netRef := write("netref.yaml", strings.Replace(diffManifest, "spec:\n", "spec:\n  network:\n    networkRef: {name: private}\n", 1))
	if code, _, errs := run(netRef); code != diffError || !strings.Contains(errs, "spec.network.networkRef: diff reads no ComposeNetwork") {
		t.Fatalf("a network reference: exit %d, %s", code, errs)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// diffWith runs `composestack diff args` with the SDK configured by awsOpts instead of the flags.
func diffWith(args []string, stdout, stderr io.Writer, awsOpts *awsclient.Options) int {
	return execute(append([]string{"diff"}, args...), stdout, stderr, awsOpts)
}

// A manifest says what to render; a flag that says it too is refused, named by its long name even when given
// by its shorthand.
func TestDiffManifestExcludesComposeFlags(t *testing.T) {
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"-f", "compose.yaml"}, "--file: "},
		{[]string{"-p", "shop"}, "--project-name: "},
		{[]string{"--vpc", "vpc-1"}, "--vpc: "},
		{[]string{"--parameter", "a=b"}, "--parameter: "},
	} {
		code, out, errOut := run(t, append([]string{"diff", "-k", "shop.yaml"}, tc.flags...)...)
		if code != diffError || out != "" || !strings.Contains(errOut, tc.want+"give either a manifest (-k) or compose files") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", tc.flags, code, out, errOut)
		}
	}
}
