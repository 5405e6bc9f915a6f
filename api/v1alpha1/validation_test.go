package v1alpha1_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

// namespace creates a fresh namespace for one test.
func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "api-"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// valid is the smallest object the API accepts.
func valid(ns string) *csv1.ComposeStack {
	return &csv1.ComposeStack{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "cs-", Namespace: ns},
		Spec: csv1.ComposeStackSpec{Compose: csv1.ComposeProject{Files: []csv1.ComposeFile{{
			Name: "compose.yaml", Inline: ptr.To("services:\n  web:\n    image: nginx\n"),
		}}}},
	}
}

func TestSamplesAreAccepted(t *testing.T) {
	ns := namespace(t)
	dir := filepath.Join(env.Root, "config", "samples")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := env.Kubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range entries {
		if e.Name() == "kustomization.yaml" || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			out, err := env.Kubectl(kubeconfig, "apply", "--dry-run=server", "-n", ns, "-f", path)
			if err != nil {
				t.Fatalf("kubectl apply --dry-run=server -f %s: %v\n%s", e.Name(), err, out)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), "kind: ComposeStack") {
				return
			}
			// Also create it for real, and check that what was stored is what the sample says.
			cs := &csv1.ComposeStack{}
			if err := yaml.Unmarshal(data, cs); err != nil {
				t.Fatal(err)
			}
			cs.Namespace = ns
			if err := env.Client.Create(context.Background(), cs); err != nil {
				t.Fatalf("create %s: %v", e.Name(), err)
			}
			if len(cs.Spec.Compose.Files) == 0 || cs.Spec.Compose.Files[0].Inline == nil {
				t.Fatalf("sample %s lost its compose file", e.Name())
			}
		})
		seen++
	}
	if seen < 3 {
		t.Fatalf("expected at least 3 samples, found %d", seen)
	}
	out, err := env.Kubectl(kubeconfig, "apply", "--dry-run=server", "-n", ns, "-k", dir)
	if err != nil {
		t.Fatalf("kubectl apply --dry-run=server -k config/samples: %v\n%s", err, out)
	}
}

func TestDefaults(t *testing.T) {
	ns := namespace(t)
	cs := valid(ns)
	cs.Spec.Network = &csv1.NetworkSpec{VPCID: "vpc-0123456789abcdef0"}
	if err := env.Client.Create(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	got := &csv1.ComposeStack{}
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(cs), got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Interval == nil || got.Spec.Interval.Duration != 10*time.Minute {
		t.Errorf("interval defaulted to %v, want 10m", got.Spec.Interval)
	}
	if got.Spec.Stack.DeletionPolicy != csv1.DeletionPolicyDelete {
		t.Errorf("deletionPolicy defaulted to %q, want Delete", got.Spec.Stack.DeletionPolicy)
	}
	if got.Spec.Network.AssignPublicIP != "Enabled" || got.Spec.Network.LoadBalancerScheme != "internet-facing" {
		t.Errorf("network defaults: %+v", got.Spec.Network)
	}
	if got.StackName() != csv1.DefaultStackName(ns, got.Name) || got.ProjectName() != got.Name {
		t.Errorf("derived names: stack %q project %q", got.StackName(), got.ProjectName())
	}
	if got.OutputsName() != "" {
		t.Errorf("outputs written to %q without spec.outputs", got.OutputsName())
	}
}

func TestOutputsDefaults(t *testing.T) {
	cs := valid(namespace(t))
	cs.Spec.Outputs = &csv1.OutputsSpec{}
	if err := env.Client.Create(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	got := &csv1.ComposeStack{}
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(cs), got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Outputs.Kind != csv1.OutputsConfigMap || got.OutputsName() != got.Name+"-outputs" {
		t.Errorf("outputs defaulted to %s %q, want ConfigMap %q", got.Spec.Outputs.Kind, got.OutputsName(), got.Name+"-outputs")
	}
}

func TestValidationRejects(t *testing.T) {
	ns := namespace(t)
	ref := &csv1.KeyReference{Name: "cm", Key: "compose.yaml"}
	cases := []struct {
		name   string
		mutate func(*csv1.ComposeStack)
		want   string
	}{
		{"no compose files", func(c *csv1.ComposeStack) { c.Spec.Compose.Files = nil }, "spec.compose.files"},
		{"file with both sources", func(c *csv1.ComposeStack) { c.Spec.Compose.Files[0].ConfigMapKeyRef = ref }, "exactly one of inline or configMapKeyRef"},
		{"file with no source", func(c *csv1.ComposeStack) { c.Spec.Compose.Files[0].Inline = nil }, "exactly one of inline or configMapKeyRef"},
		{"duplicate file names", func(c *csv1.ComposeStack) {
			c.Spec.Compose.Files = append(c.Spec.Compose.Files, c.Spec.Compose.Files[0])
		}, "each file needs a distinct name"},
		{"supporting file with two sources", func(c *csv1.ComposeStack) {
			c.Spec.Compose.SupportingFiles = []csv1.SupportingFile{{Path: "a.env", Inline: ptr.To("A=1"), SecretKeyRef: ref}}
		}, "exactly one of inline, configMapKeyRef or secretKeyRef"},
		{"supporting file outside the project", func(c *csv1.ComposeStack) {
			c.Spec.Compose.SupportingFiles = []csv1.SupportingFile{{Path: "../etc/passwd", Inline: ptr.To("x")}}
		}, "must be relative to the project directory"},
		{"absolute supporting file", func(c *csv1.ComposeStack) {
			c.Spec.Compose.SupportingFiles = []csv1.SupportingFile{{Path: "/etc/passwd", Inline: ptr.To("x")}}
		}, "must be relative to the project directory"},
		{"bad project name", func(c *csv1.ComposeStack) { c.Spec.Compose.ProjectName = "Utopia Air" }, "spec.compose.projectName"},
		{"bad variable name", func(c *csv1.ComposeStack) {
			c.Spec.Compose.Variables = []csv1.Variable{{Name: "1TAG", Value: ptr.To("x")}}
		}, "spec.compose.variables[0].name"},
		{"variable with no value", func(c *csv1.ComposeStack) {
			c.Spec.Compose.Variables = []csv1.Variable{{Name: "TAG"}}
		}, "exactly one of value or configMapKeyRef"},
		{"bad key", func(c *csv1.ComposeStack) {
			c.Spec.Compose.Files[0] = csv1.ComposeFile{Name: "c.yaml", ConfigMapKeyRef: &csv1.KeyReference{Name: "cm", Key: "a/b"}}
		}, "spec.compose.files[0].configMapKeyRef.key"},
		{"bad stack name", func(c *csv1.ComposeStack) { c.Spec.Stack.Name = "1-stack" }, "spec.stack.name"},
		{"long stack name", func(c *csv1.ComposeStack) { c.Spec.Stack.Name = "s" + strings.Repeat("a", 128) }, "spec.stack.name"},
		{"bad region", func(c *csv1.ComposeStack) { c.Spec.Stack.Region = "US East" }, "spec.stack.region"},
		{"bad role ARN", func(c *csv1.ComposeStack) { c.Spec.Stack.RoleARN = "arn:aws:iam::123:user/x" }, "spec.stack.roleARN"},
		{"bad deletion policy", func(c *csv1.ComposeStack) { c.Spec.Stack.DeletionPolicy = "Orphan" }, "spec.stack.deletionPolicy"},
		{"reserved tag", func(c *csv1.ComposeStack) { c.Spec.Stack.Tags = map[string]string{"composestack.dev/uid": "x"} }, "must not start with 'composestack.dev/'"},
		{"long tag value", func(c *csv1.ComposeStack) { c.Spec.Stack.Tags = map[string]string{"team": strings.Repeat("v", 257)} }, "values must be at most 256 characters"},
		{"bad bucket", func(c *csv1.ComposeStack) { c.Spec.Stack.TemplateBucket = "My_Bucket" }, "spec.stack.templateBucket"},
		{"overlay with both sources", func(c *csv1.ComposeStack) {
			c.Spec.Stack.Overlays = []csv1.Overlay{{Inline: ptr.To("Resources: {}"), ConfigMapKeyRef: ref}}
		}, "an overlay needs exactly one of inline or configMapKeyRef"},
		{"bad interval", func(c *csv1.ComposeStack) { c.Spec.Interval = &metav1.Duration{Duration: 5 * time.Second} }, "spec.interval must be at least 30s"},
		{"bad vpc", func(c *csv1.ComposeStack) { c.Spec.Network = &csv1.NetworkSpec{VPCID: "default"} }, "spec.network.vpcID"},
		{"vpc twice", func(c *csv1.ComposeStack) {
			c.Spec.Network = &csv1.NetworkSpec{VPCID: "vpc-12345678", VPCImport: "net-VPC"}
		}, "set vpcID or vpcImport, not both"},
		{"subnets without vpc", func(c *csv1.ComposeStack) {
			c.Spec.Network = &csv1.NetworkSpec{SubnetIDs: []string{"subnet-12345678"}}
		}, "subnets need their VPC"},
		{"bad subnet", func(c *csv1.ComposeStack) {
			c.Spec.Network = &csv1.NetworkSpec{VPCID: "vpc-12345678", SubnetIDs: []string{"sub-1"}}
		}, "spec.network.subnetIDs[0]"},
		{"bad scheme", func(c *csv1.ComposeStack) {
			c.Spec.Network = &csv1.NetworkSpec{LoadBalancerScheme: "public"}
		}, "spec.network.loadBalancerScheme"},
		{"helper image with a space", func(c *csv1.ComposeStack) {
			c.Spec.Helpers = &csv1.HelpersSpec{Image: "busybox latest"}
		}, "spec.helpers.image"},
		{"helper image beside Docker's helpers", func(c *csv1.ComposeStack) {
			c.Spec.Helpers = &csv1.HelpersSpec{Image: "busybox", DockerCompatible: ptr.To(true)}
		}, "image is unused when dockerCompatible is true"},
		{"outputs to a kind that is neither", func(c *csv1.ComposeStack) {
			c.Spec.Outputs = &csv1.OutputsSpec{Kind: "Deployment"}
		}, "spec.outputs.kind"},
		{"outputs to an invalid name", func(c *csv1.ComposeStack) {
			c.Spec.Outputs = &csv1.OutputsSpec{Name: "Web_Outputs"}
		}, "spec.outputs.name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs := valid(ns)
			tc.mutate(cs)
			err := env.Client.Create(context.Background(), cs)
			if err == nil {
				t.Fatalf("accepted, want rejection mentioning %q", tc.want)
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want an Invalid error, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err.Error(), tc.want)
			}
		})
	}
}

func TestStackNameIsImmutable(t *testing.T) {
	ns := namespace(t)
	ctx := context.Background()
	named := valid(ns)
	named.Spec.Stack.Name = "utopia-prod"
	if err := env.Client.Create(ctx, named); err != nil {
		t.Fatal(err)
	}
	unnamed := valid(ns)
	if err := env.Client.Create(ctx, unnamed); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		obj  *csv1.ComposeStack
		set  string
	}{
		{"changed", named, "utopia-staging"},
		{"removed", named, ""},
		{"added", unnamed, "late-name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := tc.obj.DeepCopy()
			obj.Spec.Stack.Name = tc.set
			err := env.Client.Update(ctx, obj)
			if err == nil || !strings.Contains(err.Error(), "spec.stack.name is immutable") {
				t.Fatalf("want immutability error, got %v", err)
			}
		})
	}
	// Other fields stay editable.
	obj := named.DeepCopy()
	obj.Spec.Suspend = true
	if err := env.Client.Update(ctx, obj); err != nil {
		t.Fatalf("updating another field: %v", err)
	}
}

func TestStatusOnlyThroughSubresource(t *testing.T) {
	ns := namespace(t)
	ctx := context.Background()
	cs := valid(ns)
	if err := env.Client.Create(ctx, cs); err != nil {
		t.Fatal(err)
	}
	// Status in a main-resource update is dropped.
	obj := cs.DeepCopy()
	obj.Status.StackStatus = "CREATE_COMPLETE"
	obj.Spec.Suspend = true
	if err := env.Client.Update(ctx, obj); err != nil {
		t.Fatal(err)
	}
	got := &csv1.ComposeStack{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(cs), got); err != nil {
		t.Fatal(err)
	}
	if got.Status.StackStatus != "" || !got.Spec.Suspend {
		t.Fatalf("main update: status %q suspend %v; want status ignored, spec applied", got.Status.StackStatus, got.Spec.Suspend)
	}
	// Spec in a status update is dropped.
	got.Status.StackStatus = "CREATE_COMPLETE"
	got.Status.ObservedGeneration = got.Generation
	got.Spec.Suspend = false
	if err := env.Client.Status().Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	after := &csv1.ComposeStack{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(cs), after); err != nil {
		t.Fatal(err)
	}
	if after.Status.StackStatus != "CREATE_COMPLETE" || !after.Spec.Suspend {
		t.Fatalf("status update: status %q suspend %v; want status applied, spec ignored", after.Status.StackStatus, after.Spec.Suspend)
	}
}

// TestDeploymentManifests checks that config/default (CRD, RBAC, the manager Deployment) is accepted by the
// API server as kubectl would send it.
func TestDeploymentManifests(t *testing.T) {
	kubeconfig, err := env.Kubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// A dry run creates no namespace, so the one the manifests name must exist for the rest to be checked.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "composestack-system"}}
	if err := env.Client.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	out, err := env.Kubectl(kubeconfig, "apply", "--dry-run=server", "-k", filepath.Join(env.Root, "config", "default"))
	if err != nil {
		t.Fatalf("kubectl apply --dry-run=server -k config/default: %v\n%s", err, out)
	}
	for _, want := range []string{"deployment.apps/composestack-controller-manager", "clusterrole.rbac.authorization.k8s.io/composestack-manager-role"} {
		if !strings.Contains(out, want) {
			t.Errorf("config/default lacks %s:\n%s", want, out)
		}
	}
}
