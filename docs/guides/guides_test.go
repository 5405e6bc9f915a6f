// Package guides_test keeps the guides in this directory true: every example a guide shows is a file that a
// test runs, the guide's copy is that file, and the troubleshooting guide has a section for every condition
// reason. The examples that need the controller run in controllers/guides_test.go.
package guides_test

import (
	"bufio"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/charts"
	"github.com/composestack/composestack/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Main(m, &env)
}

// guides are the guides' paths from the module root.
var guides = []string{
	"docs/guides/install.md",
	"docs/guides/first-stack.md",
	"docs/guides/migrating.md",
	"docs/guides/gitops-argocd.md",
	"docs/guides/troubleshooting.md",
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(env.Root, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// block is a fenced code block of a guide.
type block struct {
	guide string
	line  int    // of the opening fence
	lang  string // the fence's info string
	file  string // the path a `<!-- file: PATH -->` line right above the fence claims it holds
	body  string
}

var fileMarker = regexp.MustCompile(`^<!-- file: (\S+) -->$`)

func blocks(t *testing.T, guide string) []block {
	t.Helper()
	var out []block
	var cur *block
	var claim string
	s := bufio.NewScanner(strings.NewReader(read(t, guide)))
	for n := 1; s.Scan(); n++ {
		line := s.Text()
		switch {
		case cur != nil && line == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.body += line + "\n"
		case strings.HasPrefix(line, "```"):
			cur = &block{guide: guide, line: n, lang: strings.TrimPrefix(line, "```"), file: claim}
		}
		claim = ""
		if m := fileMarker.FindStringSubmatch(line); m != nil {
			claim = m[1]
		}
	}
	if cur != nil {
		t.Fatalf("%s:%d: code block not closed", guide, cur.line)
	}
	return out
}

// A block that says it is a file is that file, byte for byte, so the guide shows what the tests run; and every
// YAML block says which file it is, so that no manifest in a guide goes untested.
func TestBlocksAreTheFilesTheyName(t *testing.T) {
	shown := map[string]bool{}
	for _, g := range guides {
		for _, b := range blocks(t, g) {
			if b.file == "" {
				if b.lang == "yaml" {
					t.Errorf("%s:%d: a yaml block without a <!-- file: PATH --> line above it; keep the manifest under docs/guides/examples and name it", g, b.line)
				}
				continue
			}
			shown[b.file] = true
			if want := read(t, b.file); b.body != want {
				t.Errorf("%s:%d: the block differs from %s; copy the file into the guide again", g, b.line, b.file)
			}
		}
	}
	if len(shown) == 0 {
		t.Fatal("no guide shows a file")
	}
	// Every example is shown or named by a guide: an example no guide mentions is one nobody reads.
	all := ""
	for _, g := range guides {
		all += read(t, g)
	}
	err := filepath.WalkDir(filepath.Join(env.Root, "docs", "guides", "examples"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(env.Root, p)
		if err != nil {
			return err
		}
		if !shown[rel] && !strings.Contains(all, filepath.Base(rel)) {
			t.Errorf("%s is neither shown nor named by a guide", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// reasons reads the Reason* constants of api/v1alpha1/conditions.go: name to value.
func reasons(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(env.Root, "api", "v1alpha1", "conditions.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if !strings.HasPrefix(name.Name, "Reason") || i >= len(vs.Values) {
				continue
			}
			lit, ok := vs.Values[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Fatalf("%s is not a string literal", name.Name)
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			out[name.Name] = v
		}
		return true
	})
	if len(out) == 0 {
		t.Fatal("no Reason constants found in conditions.go")
	}
	return out
}

// Every condition and Event reason has a section (### `Reason`) in the troubleshooting guide, and every
// section is a reason that exists.
func TestTroubleshootingCoversEveryReason(t *testing.T) {
	heading := regexp.MustCompile("(?m)^### `([A-Za-z]+)`$")
	sections := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(read(t, "docs/guides/troubleshooting.md"), -1) {
		sections[m[1]] = true
	}
	values := map[string]bool{}
	for name, v := range reasons(t) {
		values[v] = true
		if !sections[v] {
			t.Errorf("docs/guides/troubleshooting.md has no section ### `%s` (csv1.%s): say what it means and what to do", v, name)
		}
	}
	for s := range sections {
		if !values[s] {
			t.Errorf("docs/guides/troubleshooting.md has a section for %s, which is no reason in api/v1alpha1/conditions.go", s)
		}
	}
}

// The README lists the guides and the API reference.
func TestReadmeLinksTheGuides(t *testing.T) {
	readme := read(t, "README.md")
	for _, p := range append(slices.Clone(guides), "docs/api.md") {
		if !strings.Contains(readme, "("+p+")") {
			t.Errorf("README.md does not link %s", p)
		}
	}
}

func kubeconfig(t *testing.T) string {
	t.Helper()
	kc, err := env.Kubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

func kubectl(t *testing.T, kc string, args ...string) string {
	t.Helper()
	out, err := env.Kubectl(kc, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// createNamespace creates ns unless it exists: a server-side dry run does not create the namespace it applies,
// so the objects in it would be refused.
func createNamespace(t *testing.T, name string) {
	t.Helper()
	err := env.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// objects splits a multi-document YAML stream into objects by kind/name.
func objects(t *testing.T, stream string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for doc := range strings.SplitSeq(stream, "\n---\n") {
		var o map[string]any
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatal(err)
		}
		if o == nil {
			continue
		}
		meta, _ := o["metadata"].(map[string]any)
		out[o["kind"].(string)+"/"+meta["name"].(string)] = o
	}
	return out
}

func manager(t *testing.T, deployment map[string]any) corev1.Container {
	t.Helper()
	b, err := yaml.Marshal(deployment)
	if err != nil {
		t.Fatal(err)
	}
	var d appsv1.Deployment
	if err := yaml.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0]
}

// checkRegionAndBucket checks the region and template bucket that both install examples set.
func checkRegionAndBucket(t *testing.T, c corev1.Container) {
	t.Helper()
	if !slices.Contains(c.Env, corev1.EnvVar{Name: "AWS_REGION", Value: "eu-west-1"}) {
		t.Errorf("manager env %v; want AWS_REGION=eu-west-1", c.Env)
	}
	if !slices.Contains(c.Args, "--template-bucket=composestack-templates-123456789012") {
		t.Errorf("manager args %v; want --template-bucket=composestack-templates-123456789012", c.Args)
	}
}

// docs/guides/install.md, kustomize: config/default and the example overlay build, and the API server accepts
// what they hold (a server-side dry run); the overlay's image, role and flags reach the manager.
func TestInstallWithKustomize(t *testing.T) {
	kc := kubeconfig(t)
	createNamespace(t, "composestack-system")
	for _, dir := range []string{"config/default", "docs/guides/examples/install"} {
		out := kubectl(t, kc, "apply", "--server-side", "--dry-run=server", "--force-conflicts", "-k", filepath.Join(env.Root, dir))
		if !strings.Contains(out, "deployment.apps/composestack-controller-manager serverside-applied (server dry run)") {
			t.Errorf("kubectl apply -k %s:\n%s\nwant the manager Deployment applied", dir, out)
		}
	}
	objs := objects(t, kubectl(t, kc, "kustomize", filepath.Join(env.Root, "docs/guides/examples/install")))
	c := manager(t, objs["Deployment/composestack-controller-manager"])
	if c.Image != "registry.example.com/composestack/controller:v0.1.0" {
		t.Errorf("image = %s; want the overlay's", c.Image)
	}
	checkRegionAndBucket(t, c)
	sa := objs["ServiceAccount/composestack-controller-manager"]["metadata"].(map[string]any)["annotations"].(map[string]any)
	if sa["eks.amazonaws.com/role-arn"] != "arn:aws:iam::123456789012:role/composestack" {
		t.Errorf("service account annotations %v; want the overlay's role", sa)
	}
}

// docs/guides/install.md, Helm: the chart with the example values renders as `helm install` would, the API
// server accepts every object, and the values reach the manager.
func TestInstallWithHelm(t *testing.T) {
	var values map[string]any
	if err := yaml.Unmarshal([]byte(read(t, "docs/guides/examples/install/values.yaml")), &values); err != nil {
		t.Fatal(err)
	}
	createNamespace(t, "composestack-system")
	objs, err := charts.Render(filepath.Join(env.Root, "charts", "composestack"),
		charts.Release{Name: "composestack", Namespace: "composestack-system"}, values)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var c *corev1.Container
	for _, o := range objs {
		if err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.DryRunAll,
			client.FieldOwner("helm"), client.ForceOwnership); err != nil {
			t.Errorf("server-side dry run of %s %s: %v", o.GetKind(), o.GetName(), err)
		}
		switch o.GetKind() {
		case "Deployment":
			m := manager(t, o.Object)
			c = &m
		case "ServiceAccount":
			if got := o.GetAnnotations()["eks.amazonaws.com/role-arn"]; got != "arn:aws:iam::123456789012:role/composestack" {
				t.Errorf("service account role annotation %q; want the values'", got)
			}
		}
	}
	if c == nil {
		t.Fatal("the chart rendered no Deployment")
	}
	if c.Image != "registry.example.com/composestack/controller:v0.1.0" {
		t.Errorf("image = %s; want the values'", c.Image)
	}
	checkRegionAndBucket(t, *c)
}

// docs/guides/gitops-argocd.md: `kubectl apply --server-side -k config/argocd` adds the health check to an
// argocd-cm that Argo CD's install made, and leaves its other keys alone.
func TestArgoCDHealthCheckInstall(t *testing.T) {
	kc := kubeconfig(t)
	ctx := context.Background()
	createNamespace(t, "argocd")
	existing := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "argocd-cm", Namespace: "argocd"},
		Data:       map[string]string{"url": "https://argocd.example.com"},
	}
	if err := env.Client.Create(ctx, existing); err != nil {
		t.Fatal(err)
	}
	kubectl(t, kc, "apply", "--server-side", "-k", filepath.Join(env.Root, "config", "argocd"))
	got := &corev1.ConfigMap{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(existing), got); err != nil {
		t.Fatal(err)
	}
	if got.Data["url"] != "https://argocd.example.com" {
		t.Errorf("argocd-cm lost its url: %v", got.Data)
	}
	if got.Data["resource.customizations.health.composestack.dev_ComposeStack"] != read(t, "config/argocd/health.lua") {
		t.Errorf("argocd-cm's health check is not config/argocd/health.lua: %v", got.Data)
	}
}

// keyReferences lists the paths (kustomize's slash-separated form) of every field of t that names a ConfigMap
// or Secret key, by the kind it names.
func keyReferences(typ reflect.Type, prefix string, out map[string][]string) {
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
		typ = typ.Elem()
	}
	if typ.Kind() != reflect.Struct {
		return
	}
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft == reflect.TypeFor[csv1.KeyReference]() {
			kind := strings.TrimSuffix(f.Name, "KeyRef")
			out[kind] = append(out[kind], prefix+name+"/name")
			continue
		}
		keyReferences(f.Type, prefix+name+"/", out)
	}
}

// config/references names every ComposeStack field that refers to a ConfigMap or Secret, so that kustomize
// rewrites each to the generated name; a new reference field in the API fails here until it is added.
func TestReferencesComponentCoversTheAPI(t *testing.T) {
	want := map[string][]string{}
	keyReferences(reflect.TypeFor[csv1.ComposeStackSpec](), "spec/", want)
	var cfg struct {
		NameReference []struct {
			Kind       string `json:"kind"`
			FieldSpecs []struct {
				Group string `json:"group"`
				Kind  string `json:"kind"`
				Path  string `json:"path"`
			} `json:"fieldSpecs"`
		} `json:"nameReference"`
	}
	if err := yaml.Unmarshal([]byte(read(t, "config/references/references.yaml")), &cfg); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range cfg.NameReference {
		for _, f := range r.FieldSpecs {
			if f.Group != csv1.GroupVersion.Group || f.Kind != "ComposeStack" {
				t.Errorf("field spec %+v is not for ComposeStack", f)
			}
			got[r.Kind] = append(got[r.Kind], f.Path)
		}
	}
	for _, m := range []map[string][]string{want, got} {
		for _, paths := range m {
			slices.Sort(paths)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config/references/references.yaml names %v; the API's references are %v", got, want)
	}
}

// The Application points at the example directory the controller tests apply.
func TestApplicationPointsAtTheApp(t *testing.T) {
	var app struct {
		Spec struct {
			Source struct {
				Path string `json:"path"`
			} `json:"source"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(read(t, "docs/guides/examples/gitops/argocd/application.yaml")), &app); err != nil {
		t.Fatal(err)
	}
	if app.Spec.Source.Path != "docs/guides/examples/gitops/app" {
		t.Errorf("the Application syncs %q; want docs/guides/examples/gitops/app", app.Spec.Source.Path)
	}
	if _, err := os.Stat(filepath.Join(env.Root, app.Spec.Source.Path, "kustomization.yaml")); err != nil {
		t.Error(err)
	}
}
