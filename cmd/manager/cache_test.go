package main

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/testenv"
)

// The cache tests run against a real kube-apiserver and etcd: what --namespaces and --label-selector promise
// is what the API server's watch and list return through the options, not what the options struct holds.
var env *testenv.Env

func TestMain(m *testing.M) {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	testenv.Main(m, &env)
}

const compose = `services:
  web:
    image: nginx:1.27
`

func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "manager-"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// create creates obj and deletes it when the test ends (envtest runs no namespace controller, so deleting the
// namespace would leave it behind).
func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := env.Client.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Client.Delete(context.Background(), obj); err != nil {
			t.Errorf("deleting %s/%s: %v", obj.GetNamespace(), obj.GetName(), err)
		}
	})
}

func newStack(ns, name, shard string) *csv1.ComposeStack {
	s := &csv1.ComposeStack{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: csv1.ComposeStackSpec{Compose: csv1.ComposeProject{Files: []csv1.ComposeFile{{
			Name: "compose.yaml", Inline: new(compose),
		}}}},
	}
	if shard != "" {
		s.Labels = map[string]string{"shard": shard}
	}
	return s
}

func configMap(ns, name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Data: map[string]string{"k": "v"}}
}

// startCache builds the cache the manager would build for o, starts it and waits for it to sync. The manager
// fills in its scheme; so does this.
func startCache(t *testing.T, o options) cache.Cache {
	t.Helper()
	opts, err := cacheOptions(o)
	if err != nil {
		t.Fatalf("cacheOptions(%+v): %v", o, err)
	}
	opts.Scheme = env.Scheme
	c, err := cache.New(env.Config, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("cache stopped: %v", err)
		}
	})
	syncCtx, syncCancel := context.WithTimeout(ctx, 30*time.Second)
	defer syncCancel()
	if !c.WaitForCacheSync(syncCtx) {
		t.Fatal("cache did not sync")
	}
	return c
}

// keys lists what the cache holds of list's kind as namespace/name, sorted.
func keys(t *testing.T, c cache.Cache, list client.ObjectList) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.List(ctx, list); err != nil {
		t.Fatalf("listing %T through the cache: %v", list, err)
	}
	var out []string
	switch l := list.(type) {
	case *csv1.ComposeStackList:
		for _, s := range l.Items {
			out = append(out, s.Namespace+"/"+s.Name)
		}
	case *corev1.ConfigMapList:
		for _, cm := range l.Items {
			out = append(out, cm.Namespace+"/"+cm.Name)
		}
	default:
		t.Fatalf("keys: unexpected list %T", list)
	}
	slices.Sort(out)
	return out
}

// inNamespaces keeps the keys in the given namespaces: the API server is shared with nothing else in this
// package, but a cluster-wide list may still see objects it did not create (kube-system's ConfigMaps).
func inNamespaces(keys []string, nss ...string) []string {
	var out []string
	for _, k := range keys {
		ns, _, _ := strings.Cut(k, "/")
		if slices.Contains(nss, ns) {
			out = append(out, k)
		}
	}
	return out
}

func TestCacheOptionsScopeWhatTheManagerSees(t *testing.T) {
	ns1, ns2 := namespace(t), namespace(t)
	for _, s := range []*csv1.ComposeStack{
		newStack(ns1, "a1", "a"), newStack(ns1, "b1", "b"), newStack(ns1, "unlabelled1", ""),
		newStack(ns2, "a2", "a"), newStack(ns2, "b2", "b"), newStack(ns2, "unlabelled2", ""),
	} {
		create(t, s)
	}
	// ConfigMaps carry no shard label: the selector must not hide what a stack references.
	create(t, configMap(ns1, "inputs1"))
	create(t, configMap(ns2, "inputs2"))

	k := func(ns, name string) string { return ns + "/" + name }
	cases := []struct {
		name string
		opts options
		// onlyNamespace, when set, is the one namespace anything seen may be in.
		onlyNamespace string
		// onlyShard, when set, is the shard label every ComposeStack seen must carry.
		onlyShard  string
		stacks     []string
		configMaps []string
	}{
		{
			name:          "--namespaces",
			opts:          options{namespaces: ns1},
			onlyNamespace: ns1,
			stacks:        []string{k(ns1, "a1"), k(ns1, "b1"), k(ns1, "unlabelled1")},
			configMaps:    []string{k(ns1, "inputs1")},
		},
		{
			name:       "--label-selector",
			opts:       options{selector: "shard=a"},
			onlyShard:  "a",
			stacks:     []string{k(ns1, "a1"), k(ns2, "a2")},
			configMaps: []string{k(ns1, "inputs1"), k(ns2, "inputs2")},
		},
		{
			name:          "--namespaces and --label-selector",
			opts:          options{namespaces: ns1, selector: "shard=a"},
			onlyNamespace: ns1,
			onlyShard:     "a",
			stacks:        []string{k(ns1, "a1")},
			configMaps:    []string{k(ns1, "inputs1")},
		},
		{
			name: "--label-selector with a set",
			opts: options{selector: "shard in (a,b)"},
			stacks: []string{
				k(ns1, "a1"), k(ns1, "b1"), k(ns2, "a2"), k(ns2, "b2"),
			},
			configMaps: []string{k(ns1, "inputs1"), k(ns2, "inputs2")},
		},
		{
			name: "--namespaces listing both, with spaces and an empty item",
			opts: options{namespaces: " " + ns1 + " ,," + ns2 + ","},
			stacks: []string{
				k(ns1, "a1"), k(ns1, "b1"), k(ns1, "unlabelled1"),
				k(ns2, "a2"), k(ns2, "b2"), k(ns2, "unlabelled2"),
			},
			configMaps: []string{k(ns1, "inputs1"), k(ns2, "inputs2")},
		},
		{
			name: "neither",
			opts: options{},
			stacks: []string{
				k(ns1, "a1"), k(ns1, "b1"), k(ns1, "unlabelled1"),
				k(ns2, "a2"), k(ns2, "b2"), k(ns2, "unlabelled2"),
			},
			configMaps: []string{k(ns1, "inputs1"), k(ns2, "inputs2")},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			slices.Sort(tc.stacks) // keys sorts what it sees; the namespaces' generated names order them
			slices.Sort(tc.configMaps)
			c := startCache(t, tc.opts)

			var stacks csv1.ComposeStackList
			allStacks := keys(t, c, &stacks)
			if got := inNamespaces(allStacks, ns1, ns2); !slices.Equal(got, tc.stacks) {
				t.Errorf("ComposeStacks seen in %s and %s:\n got %q\nwant %q", ns1, ns2, got, tc.stacks)
			}
			if tc.onlyShard != "" {
				for _, s := range stacks.Items {
					if s.Labels["shard"] != tc.onlyShard {
						t.Errorf("ComposeStack %s/%s with labels %v seen; want only shard=%s", s.Namespace, s.Name, s.Labels, tc.onlyShard)
					}
				}
			}

			allConfigMaps := keys(t, c, &corev1.ConfigMapList{})
			if got := inNamespaces(allConfigMaps, ns1, ns2); !slices.Equal(got, tc.configMaps) {
				t.Errorf("ConfigMaps seen in %s and %s:\n got %q\nwant %q", ns1, ns2, got, tc.configMaps)
			}

			if tc.onlyNamespace != "" {
				for _, key := range slices.Concat(allStacks, allConfigMaps) {
					if ns, _, _ := strings.Cut(key, "/"); ns != tc.onlyNamespace {
						t.Errorf("%s seen; want nothing outside namespace %s", key, tc.onlyNamespace)
					}
				}
				// The reconciler Gets referenced ConfigMaps: one in an unwatched namespace must not be served.
				var cm corev1.ConfigMap
				if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns2, Name: "inputs2"}, &cm); err == nil {
					t.Errorf("Get %s/inputs2 through a cache for --namespaces=%s succeeded", ns2, tc.opts.namespaces)
				}
			}
		})
	}
}

func TestCacheOptionsRejectBadFlags(t *testing.T) {
	cases := []struct {
		name  string
		opts  options
		wants []string
	}{
		{"selector with a double comma", options{selector: "shard=a,,x=y"}, []string{"--label-selector"}},
		{"selector with an open set", options{selector: "shard in (a"}, []string{"--label-selector"}},
		{"selector with a bad value", options{selector: "shard=a b"}, []string{"--label-selector"}},
		{"upper case namespace", options{namespaces: "Team-A"}, []string{"--namespaces", `"Team-A"`}},
		{"underscore", options{namespaces: "good,team_b"}, []string{"--namespaces", `"team_b"`}},
		{"dots", options{namespaces: "team.a"}, []string{"--namespaces", `"team.a"`, "dots"}},
		{"leading dash", options{namespaces: " -team "}, []string{"--namespaces", `"-team"`}},
		{"too long", options{namespaces: strings.Repeat("a", 64)}, []string{"--namespaces", strings.Repeat("a", 64)}},
		{"bad namespace with a good selector", options{namespaces: "a/b", selector: "shard=a"}, []string{"--namespaces", `"a/b"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cacheOptions(tc.opts)
			if err == nil {
				t.Fatalf("cacheOptions(%+v) accepted it", tc.opts)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
		})
	}
}

func TestCacheOptionsAcceptGoodFlags(t *testing.T) {
	opts, err := cacheOptions(options{namespaces: "team-a, 1team ,,", selector: "shard notin (b),!legacy"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for ns := range opts.DefaultNamespaces {
		got = append(got, ns)
	}
	slices.Sort(got)
	if want := []string{"1team", "team-a"}; !slices.Equal(got, want) {
		t.Errorf("namespaces %q, want %q", got, want)
	}
	if len(opts.ByObject) != 2 {
		t.Fatalf("ByObject has %d entries, want one for ComposeStacks and one for ComposeNetworks", len(opts.ByObject))
	}
	for obj, by := range opts.ByObject {
		switch obj.(type) {
		case *csv1.ComposeStack, *csv1.ComposeNetwork:
		default:
			t.Errorf("selector applies to %T, want *ComposeStack or *ComposeNetwork", obj)
		}
		if by.Label == nil || by.Label.String() != "!legacy,shard notin (b)" {
			t.Errorf("selector %v", by.Label)
		}
	}

	empty, err := cacheOptions(options{})
	if err != nil {
		t.Fatal(err)
	}
	if empty.DefaultNamespaces != nil || empty.ByObject != nil {
		t.Errorf("no flags gave %+v, want the zero options (all namespaces, all stacks)", empty)
	}
}
