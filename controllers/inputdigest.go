package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// controllerVersion is part of every input digest, so that a new build renders each project again rather
// than trusting what an older renderer made of it.
var controllerVersion = func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
			v += " " + s.Value
		}
	}
	return v
}()

// inputDigest identifies everything the rendered stack is made of: the controller's version and defaults,
// the object's identity and spec, the export names of the ComposeNetwork it refers to, and the resourceVersion of
// each ConfigMap and Secret it references. Reading those objects from the cache costs far less than loading and
// rendering the project again.
func (r *ComposeStackReconciler) inputDigest(ctx context.Context, obj *csv1.ComposeStack) (string, error) {
	spec, err := json.Marshal(&obj.Spec)
	if err != nil {
		return "", fmt.Errorf("encoding the spec: %w", err)
	}
	h := sha256.New()
	for _, s := range []string{controllerVersion, r.DefaultRegion, r.DefaultTemplateBucket,
		obj.Namespace, obj.Name, string(obj.UID), string(spec)} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	net, err := r.networkDigest(ctx, obj)
	if err != nil {
		return "", err
	}
	if net != "" {
		fmt.Fprintf(h, "%d:%s;", len(net), net)
	}
	for _, ref := range references(obj) {
		var o client.Object = &corev1.ConfigMap{}
		name, isSecret := strings.CutPrefix(ref, refSecret)
		if isSecret {
			o = &corev1.Secret{}
		} else {
			name = strings.TrimPrefix(ref, refConfigMap)
		}
		rv := "absent"
		err := r.Get(ctx, client.ObjectKey{Namespace: obj.Namespace, Name: name}, o)
		switch {
		case err == nil:
			rv = o.GetResourceVersion()
		case !apierrors.IsNotFound(err):
			return "", fmt.Errorf("reading %s: %w", ref, err)
		}
		fmt.Fprintf(h, "%d:%s=%s;", len(ref), ref, rv)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// renders remembers, per object, what its inputs last rendered to, so that a resync of an unchanged object
// neither loads nor renders the project. Only successful renders are kept: an error is worked out afresh.
type renders struct {
	mu      sync.Mutex
	entries map[types.NamespacedName]renderEntry
}

type renderEntry struct {
	digest string
	out    *rendered
}

func newRenders() *renders { return &renders{entries: map[types.NamespacedName]renderEntry{}} }

// get returns what inputs with digest rendered to, if that is what was last rendered for key.
func (c *renders) get(key types.NamespacedName, digest string) (*rendered, bool) {
	if c == nil || digest == "" {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.digest != digest {
		return nil, false
	}
	return e.out, true
}

func (c *renders) put(key types.NamespacedName, digest string, out *rendered) {
	if c == nil || digest == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = renderEntry{digest: digest, out: out}
}

func (c *renders) forget(key types.NamespacedName) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}
