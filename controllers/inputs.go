package controllers

import (
	"context"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/compose"
)

// inputs is everything the renderer needs, gathered from the object and the ConfigMaps and Secrets it
// references.
type inputs struct {
	source   compose.Source
	overlays [][]byte
}

// refKind prefixes the index keys of referenced objects, so one index serves ConfigMaps and Secrets.
const (
	refConfigMap = "configmap/"
	refSecret    = "secret/"
	refIndex     = ".spec.references"
)

// references lists the ConfigMaps and Secrets that obj reads, as index keys.
func references(obj *csv1.ComposeStack) []string {
	seen := map[string]bool{}
	add := func(prefix string, ref *csv1.KeyReference) {
		if ref != nil {
			seen[prefix+ref.Name] = true
		}
	}
	for _, f := range obj.Spec.Compose.Files {
		add(refConfigMap, f.ConfigMapKeyRef)
	}
	for _, f := range obj.Spec.Compose.SupportingFiles {
		add(refConfigMap, f.ConfigMapKeyRef)
		add(refSecret, f.SecretKeyRef)
	}
	for _, v := range obj.Spec.Compose.Variables {
		add(refConfigMap, v.ConfigMapKeyRef)
	}
	for _, o := range obj.Spec.Stack.Overlays {
		add(refConfigMap, o.ConfigMapKeyRef)
	}
	return slices.Sorted(maps.Keys(seen))
}

// gatherInputs reads the spec and the objects it references. A missing object or key is a stalledError:
// the user has to create it, and the watch on it brings the stack back when they do.
func (r *ComposeStackReconciler) gatherInputs(ctx context.Context, obj *csv1.ComposeStack) (*inputs, error) {
	g := &getter{c: r.Client, ns: obj.Namespace, ctx: ctx,
		configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{}}
	spec := obj.Spec.Compose
	in := &inputs{source: compose.Source{
		ProjectName: obj.ProjectName(),
		Profiles:    spec.Profiles,
		Images:      spec.Images,
		Variables:   map[string]string{},
	}}
	for i, f := range spec.Files {
		data, err := g.value(fmt.Sprintf("spec.compose.files[%d]", i), f.Inline, f.ConfigMapKeyRef, nil)
		if err != nil {
			return nil, err
		}
		in.source.Files = append(in.source.Files, compose.File{Name: f.Name, Content: data})
	}
	for i, f := range spec.SupportingFiles {
		data, err := g.value(fmt.Sprintf("spec.compose.supportingFiles[%d]", i), f.Inline, f.ConfigMapKeyRef, f.SecretKeyRef)
		if err != nil {
			return nil, err
		}
		in.source.Supporting = append(in.source.Supporting, compose.File{Name: f.Path, Content: data, Sensitive: f.SecretKeyRef != nil})
	}
	for i, v := range spec.Variables {
		data, err := g.value(fmt.Sprintf("spec.compose.variables[%d]", i), v.Value, v.ConfigMapKeyRef, nil)
		if err != nil {
			return nil, err
		}
		in.source.Variables[v.Name] = string(data)
	}
	for i, o := range obj.Spec.Stack.Overlays {
		data, err := g.value(fmt.Sprintf("spec.stack.overlays[%d]", i), o.Inline, o.ConfigMapKeyRef, nil)
		if err != nil {
			return nil, err
		}
		in.overlays = append(in.overlays, data)
	}
	return in, nil
}

// getter reads values from inline fields, ConfigMaps and Secrets, each object fetched once per reconcile.
type getter struct {
	c          client.Client
	ns         string
	ctx        context.Context
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
}

func (g *getter) value(field string, inline *string, cm, secret *csv1.KeyReference) ([]byte, error) {
	switch {
	case inline != nil:
		return []byte(*inline), nil
	case cm != nil:
		m, err := g.configMap(field+".configMapKeyRef", cm.Name)
		if err != nil {
			return nil, err
		}
		if v, ok := m.Data[cm.Key]; ok {
			return []byte(v), nil
		}
		if v, ok := m.BinaryData[cm.Key]; ok {
			return v, nil
		}
		return nil, stalled(csv1.ReasonReferenceNotFound, "%s.configMapKeyRef: ConfigMap %q has no key %q; add the key or fix the reference", field, cm.Name, cm.Key)
	case secret != nil:
		s, err := g.secret(field+".secretKeyRef", secret.Name)
		if err != nil {
			return nil, err
		}
		if v, ok := s.Data[secret.Key]; ok {
			return v, nil
		}
		return nil, stalled(csv1.ReasonReferenceNotFound, "%s.secretKeyRef: Secret %q has no key %q; add the key or fix the reference", field, secret.Name, secret.Key)
	}
	// The schema makes this unreachable; say so plainly if it ever is.
	return nil, stalled(csv1.ReasonInvalidCompose, "%s: no source given", field)
}

func (g *getter) configMap(field, name string) (*corev1.ConfigMap, error) {
	return fetch(g, g.configMaps, &corev1.ConfigMap{}, "ConfigMap", field, name)
}

func (g *getter) secret(field, name string) (*corev1.Secret, error) {
	return fetch(g, g.secrets, &corev1.Secret{}, "Secret", field, name)
}

// fetch reads the named object into obj once per reconcile, remembering it in cache. A missing object is a
// stalledError naming the field that references it.
func fetch[T client.Object](g *getter, cache map[string]T, obj T, kind, field, name string) (T, error) {
	if o, ok := cache[name]; ok {
		return o, nil
	}
	if err := g.c.Get(g.ctx, client.ObjectKey{Namespace: g.ns, Name: name}, obj); err != nil {
		var zero T
		if apierrors.IsNotFound(err) {
			return zero, stalled(csv1.ReasonReferenceNotFound, "%s: %s %q not found in namespace %q; create it or fix the reference", field, kind, name, g.ns)
		}
		return zero, fmt.Errorf("reading %s %s/%s: %w", kind, g.ns, name, err)
	}
	cache[name] = obj
	return obj, nil
}
