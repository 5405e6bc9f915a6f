package controllers_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/cli"
)

// The guides' examples (docs/guides/examples), run with the commands the guides give, through kubectl against
// the suite's API server, with the real reconciler driving stacks in the local CloudFormation endpoint.

const guideExamples = "../docs/guides/examples"

// guideKubectl runs kubectl as an administrator and fails the test when it fails.
type guideKubectl struct {
	t          *testing.T
	kubeconfig string
}

func newGuideKubectl(t *testing.T) guideKubectl {
	t.Helper()
	kc, err := env.Kubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return guideKubectl{t: t, kubeconfig: kc}
}

func (k guideKubectl) run(args ...string) string {
	k.t.Helper()
	out, err := env.Kubectl(k.kubeconfig, args...)
	if err != nil {
		k.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	k.t.Logf("$ kubectl %s\n%s", strings.Join(args, " "), out)
	return out
}

// composeStack reads the ComposeStack name in namespace ns.
func composeStack(t *testing.T, ns, name string) *csv1.ComposeStack {
	t.Helper()
	return &csv1.ComposeStack{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

// docs/guides/first-stack.md: apply, wait for Ready, read the outputs, change the image, delete.
func TestGuideFirstStack(t *testing.T) {
	ns := newNamespace(t)
	k := newGuideKubectl(t)
	obj := composeStack(t, ns, "hello")
	t.Cleanup(func() { deleteAndWait(t, obj) })

	k.run("apply", "-n", ns, "-f", filepath.Join(guideExamples, "first-stack", "hello.yaml"))
	k.run("wait", "-n", ns, "--for=condition=Ready", "composestack/hello", "--timeout=120s")
	got := waitStack(t, obj, "Ready", readyAt)
	if got.Status.StackStatus != "CREATE_COMPLETE" || got.Status.Endpoints == nil {
		t.Fatalf("after the first apply: %s, endpoints %v; want CREATE_COMPLETE with an endpoint", summary(got), got.Status.Endpoints)
	}
	if out := k.run("get", "-n", ns, "composestacks"); !strings.Contains(out, "hello") || !strings.Contains(out, "CREATE_COMPLETE") {
		t.Errorf("kubectl get composestacks shows no Ready hello:\n%s", out)
	}
	dns := k.run("get", "-n", ns, "configmap", "hello-outputs", "-o", "jsonpath={.data.LoadBalancerDNSName}")
	if !strings.Contains(dns, ".elb.") {
		t.Errorf("hello-outputs LoadBalancerDNSName = %q; want the load balancer's DNS name", dns)
	}
	k.run("events", "-n", ns, "--for", "composestack/hello")

	k.run("apply", "-n", ns, "-f", filepath.Join(guideExamples, "first-stack", "hello-v2.yaml"))
	k.run("wait", "-n", ns, "--for=jsonpath={.status.observedGeneration}=2", "composestack/hello", "--timeout=120s")
	k.run("wait", "-n", ns, "--for=condition=Ready", "composestack/hello", "--timeout=120s")
	got = waitStack(t, obj, "updated", func(o *csv1.ComposeStack) bool { return readyAt(o) && o.Status.StackStatus == "UPDATE_COMPLETE" })
	if body := templateOf(t, got.Status.StackName); !strings.Contains(body, "nginx:1.28") {
		t.Errorf("the updated stack's template does not run nginx:1.28")
	}

	k.run("delete", "-n", ns, "composestack/hello", "--timeout=120s")
	if s := describeStack(t, got.Status.StackName); s != nil {
		t.Errorf("stack %s is %s after kubectl delete returned; want it gone", got.Status.StackName, s.StackStatus)
	}
}

// docs/guides/migrating.md: the seed's Utopia stack as `docker compose --context ecs up` made it, taken over by
// the example, its files unchanged; the first change set modifies in place and replaces only task definitions.
func TestGuideMigratingFromDockerCompose(t *testing.T) {
	dir := filepath.Join(guideExamples, "migrating")
	for _, name := range []string{"docker-compose.yaml", "eureka.env", ".secret/spring_config_encrypt_key.env"} {
		want, err := os.ReadFile(filepath.Join(utopiaDir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the seed's %s: the guide adopts the project unchanged", filepath.Join(dir, name), name)
		}
	}

	const stackName = "ss-utopia" // the example's spec.stack.name: Docker named the stack after the project
	ctx := context.Background()
	if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName:    aws.String(stackName),
		TemplateBody: aws.String(dockerTemplate(utopiaCase(t).project, defaultNetwork(t))),
		Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityIam},
		OnFailure:    cftypes.OnFailureDelete,
		Tags:         []cftypes.Tag{{Key: aws.String(csv1.TagDockerComposeProject), Value: aws.String("ss-utopia")}},
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "docker's stack created", 60*time.Second, func() (bool, string) {
		s := describeStack(t, stackName)
		return s != nil && s.StackStatus == cftypes.StackStatusCreateComplete, "not yet"
	})
	t.Cleanup(func() { deleteStack(t, stackName) })

	// The preview the guide runs first, in the project's directory: an update that modifies services in place.
	// diff exits 2 when there are changes.
	t.Run("preview", func(t *testing.T) {
		t.Setenv("AWS_ACCESS_KEY_ID", "test")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
		t.Chdir(dir)
		var preview, stderr bytes.Buffer
		code := cli.Run([]string{"diff", "-f", "docker-compose.yaml", "-p", "ss-utopia", "--stack-name", stackName,
			"--region", region, "--endpoint-url", cfn.URL()}, &preview, &stderr)
		t.Logf("$ composestack diff -f docker-compose.yaml -p ss-utopia --stack-name %s --region %s\n%s%s",
			stackName, region, preview.String(), stderr.String())
		if code != 2 || strings.Contains(preview.String(), "Remove ") || !strings.Contains(preview.String(), "Modify ") {
			t.Errorf("composestack diff exited %d; want 2, with services modified and nothing removed", code)
		}
	})

	ns := newNamespace(t)
	k := newGuideKubectl(t)
	obj := composeStack(t, ns, "utopia")
	t.Cleanup(func() { deleteAndWait(t, obj) }) // deletionPolicy Retain: the stack stays for the cleanup above
	k.run("apply", "-n", ns, "-k", dir)
	k.run("wait", "-n", ns, "--for=condition=Ready", "composestack/utopia", "--timeout=120s")
	got := waitStack(t, obj, "Ready after adoption", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && o.Status.StackStatus == "UPDATE_COMPLETE"
	})
	k.run("get", "-n", ns, "composestacks")
	if got.Status.StackName != stackName {
		t.Fatalf("status.stackName = %q; want Docker's stack %s", got.Status.StackName, stackName)
	}

	ch := updatesOf(t, stackName)[0]
	t.Logf("first change set: %d modified in place (%s), %d replaced, %d removed, %d added",
		len(ch.modified), ch.byType(ch.modified), len(ch.replaced), len(ch.removed), len(ch.added))
	// The one addition: the env file from a Secret reaches the config service through Secrets Manager, where
	// Docker wrote its values into the task definition.
	if len(ch.replaced) > 0 || len(ch.removed) > 0 || strings.Join(ch.added, ",") != "ConfigSensitiveEnvironmentSecret" {
		t.Errorf("the adoption replaced %v, removed %v, added %v; want nothing replaced or removed and the config service's secret added",
			ch.replaced, ch.removed, ch.added)
	}
	if len(ch.modified) == 0 {
		t.Errorf("the adoption modified nothing; the guide says services are modified in place")
	}
}

// docs/guides/gitops-argocd.md: the directory Argo CD syncs, applied as Argo CD applies it, reaches Ready, the
// health check says Healthy, and a diff of the same directory against the cluster shows nothing.
func TestGuideGitOpsArgoCD(t *testing.T) {
	if _, err := exec.LookPath("diff"); err != nil {
		t.Fatal("kubectl diff needs the diff program on PATH (diffutils)")
	}
	dir := filepath.Join(guideExamples, "gitops", "app")
	ns := newNamespace(t)
	k := newGuideKubectl(t)
	obj := composeStack(t, ns, "shop")
	t.Cleanup(func() { deleteAndWait(t, obj) })

	k.run("apply", "-n", ns, "-k", dir)
	got := waitStack(t, obj, "Ready", readyAt)
	if h := argoHealth(t, got); h != "Healthy" {
		t.Errorf("Argo CD health = %s; want Healthy (%s)", h, summary(got))
	}
	if n := len(got.Spec.Compose.Files); n != 2 || got.Spec.Compose.Files[0].ConfigMapKeyRef == nil ||
		!strings.HasPrefix(got.Spec.Compose.Files[0].ConfigMapKeyRef.Name, "shop-compose-") {
		t.Errorf("spec.compose.files = %+v; want both files from the generated ConfigMap", got.Spec.Compose.Files)
	}
	if body := templateOf(t, got.Status.StackName); !strings.Contains(body, `"DesiredCount":2`) {
		t.Errorf("the stack's template does not have compose.production.yaml's 2 api replicas")
	}

	// What Argo CD compares: the rendered directory against the live objects, after the controller wrote
	// status, finalizer and defaults. Exit status 0 is no difference, 1 a difference.
	if out, drift := kubectlDiff(t, k, ns, dir); drift {
		t.Errorf("kubectl diff shows drift after the controller reconciled:\n%s", out)
	}
	// The same diff does show an edit of what Git holds, so its silence above means something.
	cm := got.Spec.Compose.Files[1].ConfigMapKeyRef.Name
	k.run("patch", "-n", ns, "configmap", cm, "--type=merge", "-p", `{"data":{"compose.production.yaml":"# edited by hand\n"}}`)
	if out, drift := kubectlDiff(t, k, ns, dir); !drift {
		t.Errorf("kubectl diff shows no drift after the ConfigMap was edited by hand:\n%s", out)
	}
	k.run("apply", "-n", ns, "-k", dir)
	waitStack(t, obj, "Ready again", readyAt)

	// A commit that changes compose.yaml: the generated ConfigMap gets a new name, so the ComposeStack's spec
	// changes and the stack is updated. The commit is stood in for by an overlay with the edited file.
	edited := t.TempDir()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	base, err := filepath.Rel(edited, abs) // kustomize takes no absolute path
	if err != nil {
		t.Fatal(err)
	}
	compose, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bumped := strings.Replace(string(compose), "shop-api:1.4.2", "shop-api:1.5.0", 1)
	production, err := os.ReadFile(filepath.Join(dir, "compose.production.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"compose.yaml":            bumped,
		"compose.production.yaml": string(production),
		"kustomization.yaml": "resources: [" + base + "]\nconfigMapGenerator:\n  - name: shop-compose\n    behavior: replace\n" +
			"    files: [compose.yaml, compose.production.yaml]\n",
	} {
		if err := os.WriteFile(filepath.Join(edited, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	k.run("apply", "-n", ns, "-k", edited)
	got = waitStack(t, obj, "Ready after the change", func(o *csv1.ComposeStack) bool {
		return o.Generation == 2 && readyAt(o) && o.Status.StackStatus == "UPDATE_COMPLETE"
	})
	if h := argoHealth(t, got); h != "Healthy" {
		t.Errorf("Argo CD health after the update = %s; want Healthy (%s)", h, summary(got))
	}
	if body := templateOf(t, got.Status.StackName); !strings.Contains(body, "shop-api:1.5.0") {
		t.Errorf("the updated stack does not run shop-api:1.5.0")
	}
}

// kubectlDiff runs `kubectl diff -k dir` and says whether it found a difference (exit status 1).
func kubectlDiff(t *testing.T, k guideKubectl, ns, dir string) (string, bool) {
	t.Helper()
	out, err := env.Kubectl(k.kubeconfig, "diff", "-n", ns, "-k", dir)
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return out, true
	}
	if err != nil {
		t.Fatalf("kubectl diff: %v\n%s", err, out)
	}
	return out, false
}
