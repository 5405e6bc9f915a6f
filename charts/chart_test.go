package charts

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/composestack/composestack/internal/testenv"
)

// The chart's objects are applied to a real kube-apiserver (with a server-side dry run): a typo in a field
// name, a bad quantity or a wrong apiVersion fails there, not on a user's cluster.
var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Main(m, &env)
}

const chartDir = "composestack"

var release = Release{Name: "composestack", Namespace: "composestack-system"}

// everyValues sets every value in values.yaml (TestEveryValueIsSet holds it to that), each to something other
// than its default where the value can differ, so that the tests below see each one reach the manifests.
const everyValuesYAML = `
image:
  repository: registry.example.com/composestack/controller
  tag: v1.2.3
  pullPolicy: Always
imagePullSecrets:
  - name: registry-credentials
replicaCount: 2
leaderElection:
  enabled: false
  namespace: composestack-leases
defaultRegion: eu-west-1
templateBucket: composestack-templates
allowedRoleARNs:
  - arn:aws:iam::123456789012:role/deployer
  - arn:aws:iam::123456789012:role/team-*
watchNamespaces: [team-a, team-b]
labelSelector: shard=a
maxConcurrentReconciles: 8
pollInterval: 30s
logLevel: debug
reconcileTimeout: 2m
awsRateLimits: {read: 2.5, write: 1}
helpers:
  image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/docker/library/busybox:1.37.0
  dockerCompatible: true
serviceAccount:
  create: true
  name: composestack-manager
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/composestack
rbac:
  create: true
resources:
  requests: {cpu: 100m, memory: 128Mi}
  limits: {memory: 512Mi}
metrics:
  port: 9090
serviceMonitor:
  enabled: true
  interval: 15s
  labels: {release: prometheus}
podAnnotations: {example.com/owner: platform}
podLabels: {team: platform}
nodeSelector: {kubernetes.io/os: linux}
tolerations:
  - {key: dedicated, operator: Equal, value: controllers, effect: NoSchedule}
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
        - matchExpressions:
            - {key: kubernetes.io/arch, operator: In, values: [amd64, arm64]}
`

func everyValues(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := yaml.Unmarshal([]byte(everyValuesYAML), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// valueSets are the value sets every check runs with.
func valueSets(t *testing.T) map[string]map[string]any {
	return map[string]map[string]any{"default values": nil, "every value set": everyValues(t)}
}

func render(t *testing.T, values map[string]any) []*unstructured.Unstructured {
	t.Helper()
	objs, err := Render(chartDir, release, values)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// one returns the single object of kind in objs, converted to out.
func one(t *testing.T, objs []*unstructured.Unstructured, kind string, out any) {
	t.Helper()
	var found []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("the chart renders %d objects of kind %s, want 1", len(found), kind)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(found[0].Object, out); err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
}

func TestLint(t *testing.T) {
	for name, values := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			linter := lint.RunAll(chartDir, values, release.Namespace)
			for _, m := range linter.Messages {
				// helm lint --strict: warnings fail too; INFO (such as "icon is recommended") does not.
				if m.Severity >= support.WarningSev {
					t.Errorf("helm lint: %s", m)
				}
			}
		})
	}
}

// TestEveryValueIsSet keeps everyValuesYAML complete: a value added to values.yaml and not to it would go
// untested by the server-side dry run and the flag checks.
func TestEveryValueIsSet(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var defaults map[string]any
	if err := yaml.Unmarshal(data, &defaults); err != nil {
		t.Fatal(err)
	}
	set := everyValues(t)
	for _, path := range leaves(defaults, "") {
		if !has(set, path) {
			t.Errorf("everyValuesYAML does not set %s", path)
		}
	}
}

// leaves lists the dotted paths of the values that are not maps with keys of their own.
func leaves(m map[string]any, prefix string) []string {
	var out []string
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			out = append(out, leaves(sub, prefix+k+".")...)
			continue
		}
		out = append(out, prefix+k)
	}
	sort.Strings(out)
	return out
}

func has(m map[string]any, path string) bool {
	head, rest, nested := strings.Cut(path, ".")
	v, ok := m[head]
	if !ok || !nested {
		return ok
	}
	sub, ok := v.(map[string]any)
	return ok && has(sub, rest)
}

// TestCopiesAreGenerated: the chart holds copies of what controller-gen writes (`make manifests` makes them),
// the CRDs in crds/, which Helm installs as they are, and the ClusterRole's rules in files/role.yaml.
func TestCopiesAreGenerated(t *testing.T) {
	generated, err := filepath.Glob("../config/crd/bases/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	copies, err := filepath.Glob(filepath.Join(chartDir, "crds", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	base := func(paths []string) []string {
		out := make([]string, len(paths))
		for i, p := range paths {
			out[i] = filepath.Base(p)
		}
		return out
	}
	if len(generated) == 0 || !slices.Equal(base(generated), base(copies)) {
		t.Fatalf("chart CRDs %v, generated CRDs %v: run `make manifests`", base(copies), base(generated))
	}
	generated = append(generated, "../config/rbac/role.yaml")
	copies = append(copies, filepath.Join(chartDir, "files", "role.yaml"))
	for i := range generated {
		want, err := os.ReadFile(generated[i])
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(copies[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s: run `make manifests`", copies[i], generated[i])
		}
	}
}

// TestRBACMatchesConfig holds the chart's ClusterRole, as rendered, to the rules controller-gen writes from
// the +kubebuilder:rbac markers, and sees it bound to the manager's service account.
func TestRBACMatchesConfig(t *testing.T) {
	data, err := os.ReadFile("../config/rbac/role.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var want rbacv1.ClusterRole
	if err := yaml.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	for name, values := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			objs := render(t, values)
			var got rbacv1.ClusterRole
			one(t, objs, "ClusterRole", &got)
			if g, w := canonicalRules(got.Rules), canonicalRules(want.Rules); !reflect.DeepEqual(g, w) {
				t.Errorf("the chart's ClusterRole rules differ from config/rbac/role.yaml:\nchart:  %v\nconfig: %v", g, w)
			}
			var binding rbacv1.ClusterRoleBinding
			one(t, objs, "ClusterRoleBinding", &binding)
			var sa corev1.ServiceAccount
			one(t, objs, "ServiceAccount", &sa)
			if binding.RoleRef.Name != got.Name || len(binding.Subjects) != 1 ||
				binding.Subjects[0].Name != sa.Name || binding.Subjects[0].Namespace != release.Namespace {
				t.Errorf("the ClusterRoleBinding does not bind %s to service account %s/%s: %+v", got.Name, release.Namespace, sa.Name, binding)
			}
		})
	}
}

// canonicalRules orders rules and their lists, which say the same thing in any order.
func canonicalRules(rules []rbacv1.PolicyRule) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		sorted := func(s []string) string { s = slices.Clone(s); sort.Strings(s); return strings.Join(s, ",") }
		out[i] = fmt.Sprintf("groups=%s resources=%s names=%s verbs=%s urls=%s", sorted(r.APIGroups),
			sorted(r.Resources), sorted(r.ResourceNames), sorted(r.Verbs), sorted(r.NonResourceURLs))
	}
	sort.Strings(out)
	return out
}

func managerContainer(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == "manager" {
			return c
		}
	}
	t.Fatal("the Deployment has no container named manager")
	return corev1.Container{}
}

// flags splits --name=value arguments into a map; a bare --name is "true", as the flag package reads it.
func flags(t *testing.T, args []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range args {
		name, ok := strings.CutPrefix(a, "--")
		if !ok {
			t.Fatalf("argument %q is not a --flag", a)
		}
		name, value, hasValue := strings.Cut(name, "=")
		if !hasValue {
			value = "true"
		}
		out[name] = value
	}
	return out
}

// managerFlags builds the manager and asks it for its flags, so that the list is the binary's own.
func managerFlags(t *testing.T) map[string]bool {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "manager")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/manager").CombinedOutput(); err != nil {
		t.Fatalf("building the manager: %v\n%s", err, out)
	}
	// -help prints the flags and exits 0.
	out, err := exec.Command(bin, "-help").CombinedOutput()
	if err != nil {
		t.Fatalf("manager -help: %v\n%s", err, out)
	}
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllStringSubmatch(string(out), -1) {
		names[m[1]] = true
	}
	if !names["leader-elect"] {
		t.Fatalf("manager -help lists no --leader-elect; the output was not understood:\n%s", out)
	}
	return names
}

// TestFlagsMatchManagerAndConfig: every flag the chart passes exists in the manager, every flag config/
// passes the chart passes with the same value by default, and each value-backed flag carries its value.
func TestFlagsMatchManagerAndConfig(t *testing.T) {
	known := managerFlags(t)
	for name, values := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			var d appsv1.Deployment
			one(t, render(t, values), "Deployment", &d)
			for f := range flags(t, managerContainer(t, &d).Args) {
				if !known[f] {
					t.Errorf("the chart passes --%s, which cmd/manager does not define", f)
				}
			}
		})
	}

	t.Run("config/manager's flags", func(t *testing.T) {
		data, err := os.ReadFile("../config/manager/manager.yaml")
		if err != nil {
			t.Fatal(err)
		}
		var want appsv1.Deployment
		for _, doc := range strings.Split(string(data), "\n---\n") {
			if strings.Contains(doc, "kind: Deployment") {
				if err := yaml.Unmarshal([]byte(doc), &want); err != nil {
					t.Fatal(err)
				}
			}
		}
		var got appsv1.Deployment
		one(t, render(t, nil), "Deployment", &got)
		gotFlags := flags(t, managerContainer(t, &got).Args)
		for f, v := range flags(t, managerContainer(t, &want).Args) {
			if gotFlags[f] != v {
				t.Errorf("config/manager passes --%s=%s, the chart by default --%s=%q", f, v, f, gotFlags[f])
			}
		}
		if g, w := managerContainer(t, &got).Env, managerContainer(t, &want).Env; !reflect.DeepEqual(g, w) {
			t.Errorf("env: chart %v, config/manager %v", g, w)
		}
	})

	t.Run("value-backed flags", func(t *testing.T) {
		var d appsv1.Deployment
		one(t, render(t, everyValues(t)), "Deployment", &d)
		got := flags(t, managerContainer(t, &d).Args)
		for value, flag := range map[string]string{
			"leaderElection.enabled":   "leader-elect=false",
			"leaderElection.namespace": "leader-election-namespace=composestack-leases",
			"metrics.port":             "metrics-bind-address=:9090",
			"maxConcurrentReconciles":  "max-concurrent-reconciles=8",
			"pollInterval":             "poll-interval=30s",
			"logLevel":                 "zap-log-level=debug",
			"watchNamespaces":          "namespaces=team-a,team-b",
			"labelSelector":            "label-selector=shard=a",
			"templateBucket":           "template-bucket=composestack-templates",
			"allowedRoleARNs":          "allowed-role-arns=arn:aws:iam::123456789012:role/deployer,arn:aws:iam::123456789012:role/team-*",
			"reconcileTimeout":         "reconcile-timeout=2m",
			"awsRateLimits.read":       "aws-read-rate=2.5",
			"awsRateLimits.write":      "aws-write-rate=1",
			"helpers.image":            "helper-image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/docker/library/busybox:1.37.0",
			"helpers.dockerCompatible": "docker-compatible-helpers=true",
		} {
			name, want, _ := strings.Cut(flag, "=")
			if !known[name] {
				t.Errorf("%s: cmd/manager has no --%s", value, name)
			}
			if got[name] != want {
				t.Errorf("%s: --%s=%q, want %q", value, name, got[name], want)
			}
		}
	})
}

// TestValuesReachTheManifests checks the values that are not manager flags.
func TestValuesReachTheManifests(t *testing.T) {
	objs := render(t, everyValues(t))
	var d appsv1.Deployment
	one(t, objs, "Deployment", &d)
	pod := d.Spec.Template.Spec
	c := managerContainer(t, &d)
	var sa corev1.ServiceAccount
	one(t, objs, "ServiceAccount", &sa)
	var svc corev1.Service
	one(t, objs, "Service", &svc)
	// ServiceMonitor is not a type this module has; its fields are read as a map.
	var monitor map[string]any
	one(t, objs, "ServiceMonitor", &monitor)
	monitorLabels, _, _ := unstructured.NestedStringMap(monitor, "metadata", "labels")
	monitorSelector, _, _ := unstructured.NestedStringMap(monitor, "spec", "selector", "matchLabels")
	endpoints, _, _ := unstructured.NestedSlice(monitor, "spec", "endpoints")

	for _, check := range []struct {
		value string
		ok    bool
		got   any
	}{
		{"image", c.Image == "registry.example.com/composestack/controller:v1.2.3", c.Image},
		{"image.pullPolicy", c.ImagePullPolicy == corev1.PullAlways, c.ImagePullPolicy},
		{"imagePullSecrets", len(pod.ImagePullSecrets) == 1 && pod.ImagePullSecrets[0].Name == "registry-credentials", pod.ImagePullSecrets},
		{"replicaCount", d.Spec.Replicas != nil && *d.Spec.Replicas == 2, d.Spec.Replicas},
		{"defaultRegion", slices.Contains(c.Env, corev1.EnvVar{Name: "AWS_REGION", Value: "eu-west-1"}), c.Env},
		{"serviceAccount.name", sa.Name == "composestack-manager" && pod.ServiceAccountName == sa.Name, pod.ServiceAccountName},
		{"serviceAccount.annotations", sa.Annotations["eks.amazonaws.com/role-arn"] == "arn:aws:iam::123456789012:role/composestack", sa.Annotations},
		{"resources", c.Resources.Limits.Memory().String() == "512Mi" && c.Resources.Requests.Cpu().String() == "100m", c.Resources},
		{"metrics.port", slices.Contains(c.Ports, corev1.ContainerPort{Name: "metrics", ContainerPort: 9090}) &&
			svc.Spec.Ports[0].Port == 9090, c.Ports},
		{"serviceMonitor.labels", monitorLabels["release"] == "prometheus", monitorLabels},
		{"serviceMonitor.interval", len(endpoints) == 1 && endpoints[0].(map[string]any)["interval"] == "15s", endpoints},
		{"podAnnotations", d.Spec.Template.Annotations["example.com/owner"] == "platform", d.Spec.Template.Annotations},
		{"podLabels", d.Spec.Template.Labels["team"] == "platform", d.Spec.Template.Labels},
		{"nodeSelector", pod.NodeSelector["kubernetes.io/os"] == "linux", pod.NodeSelector},
		{"tolerations", len(pod.Tolerations) == 1 && pod.Tolerations[0].Key == "dedicated", pod.Tolerations},
		{"affinity", pod.Affinity != nil && pod.Affinity.NodeAffinity != nil, pod.Affinity},
	} {
		if !check.ok {
			t.Errorf("%s did not reach the manifests: %+v", check.value, check.got)
		}
	}
	// The ServiceMonitor finds the metrics Service, and the Service the manager's pods.
	for k, v := range monitorSelector {
		if svc.Labels[k] != v {
			t.Errorf("the ServiceMonitor selects %s=%s, the metrics Service has %s=%q", k, v, k, svc.Labels[k])
		}
	}
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("the metrics Service selects %s=%s, the manager's pods have %s=%q", k, v, k, d.Spec.Template.Labels[k])
		}
	}
}

// TestServerSideDryRun applies what the chart renders to the API server with a server-side dry run, the CRD
// from crds/ installed first, as Helm does.
func TestServerSideDryRun(t *testing.T) {
	ctx := context.Background()
	installServiceMonitorCRD(t)
	for name, values := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "chart-"}}
			if err := env.Client.Create(ctx, ns); err != nil {
				t.Fatal(err)
			}
			objs, err := Render(chartDir, Release{Name: release.Name, Namespace: ns.Name}, values)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objs {
				err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o),
					client.DryRunAll, client.FieldOwner("helm"), client.ForceOwnership)
				if err != nil {
					t.Errorf("server-side dry run of %s %s: %v", o.GetKind(), o.GetName(), err)
				}
			}
		})
	}
}

// installServiceMonitorCRD stands in for the Prometheus Operator's CRD, which the tests cannot download: it
// checks the ServiceMonitor's group, version, kind and metadata, not its spec (TestValuesReachTheManifests
// checks what its spec selects).
func installServiceMonitorCRD(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	preserve := true
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "servicemonitors.monitoring.coreos.com"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "monitoring.coreos.com",
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "servicemonitors", Kind: "ServiceMonitor"},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", XPreserveUnknownFields: &preserve,
				}},
			}},
		},
	}
	scheme := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, crd); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := c.Get(ctx, client.ObjectKeyFromObject(crd), crd); err != nil {
			t.Fatal(err)
		}
		for _, cond := range crd.Status.Conditions {
			if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the ServiceMonitor CRD was not established within 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSchemaRejectsBadValues: values.schema.json turns a misspelt or mistyped value into an install error
// rather than a silently ignored one.
func TestSchemaRejectsBadValues(t *testing.T) {
	for name, values := range map[string]string{
		"misspelt value":       "replicas: 2",
		"misspelt nested":      "serviceAccount: {annotation: {a: b}}",
		"wrong type":           "watchNamespaces: team-a",
		"bad pull policy":      "image: {pullPolicy: Sometimes}",
		"bad poll interval":    "pollInterval: 10",
		"role that is no ARN":  "allowedRoleARNs: [deployer]",
		"bad metrics port":     "metrics: {port: 70000}",
		"no reconciles at all": "maxConcurrentReconciles: 0",
	} {
		t.Run(name, func(t *testing.T) {
			var v map[string]any
			if err := yaml.Unmarshal([]byte(values), &v); err != nil {
				t.Fatal(err)
			}
			if _, err := Render(chartDir, release, v); err == nil {
				t.Errorf("%s renders; want a schema error", values)
			}
		})
	}
}

// TestBringYourOwnServiceAccountAndRBAC: with rbac.create and serviceAccount.create off, the chart creates
// neither and runs the manager as the named service account, which it then requires.
func TestBringYourOwnServiceAccountAndRBAC(t *testing.T) {
	objs := render(t, map[string]any{
		"rbac":           map[string]any{"create": false},
		"serviceAccount": map[string]any{"create": false, "name": "existing"},
	})
	for _, o := range objs {
		if k := o.GetKind(); k == "ServiceAccount" || k == "ClusterRole" || k == "ClusterRoleBinding" {
			t.Errorf("the chart renders a %s with rbac.create and serviceAccount.create off", k)
		}
	}
	var d appsv1.Deployment
	one(t, objs, "Deployment", &d)
	if got := d.Spec.Template.Spec.ServiceAccountName; got != "existing" {
		t.Errorf("serviceAccountName = %q, want existing", got)
	}
	if _, err := Render(chartDir, release, map[string]any{"serviceAccount": map[string]any{"create": false}}); err == nil {
		t.Error("serviceAccount.create off without serviceAccount.name renders; want an error")
	}
}
