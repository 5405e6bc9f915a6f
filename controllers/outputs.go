package controllers

import (
	"bytes"
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// outputsRef is the index key of the object spec.outputs names, if any. The watches on ConfigMaps and Secrets
// map it back to the ComposeStack, so an outputs object someone edits or deletes is written again, and one in
// the way that its owner deletes lets the outputs through. It is no input: the input digest leaves it out, so
// writing the outputs does not render the project again.
func outputsRef(obj *csv1.ComposeStack) []string {
	name := obj.OutputsName()
	if name == "" {
		return nil
	}
	if obj.OutputsKind() == csv1.OutputsSecret {
		return []string{refSecret + name}
	}
	return []string{refConfigMap + name}
}

// syncOutputs writes outputs, those of the stack just converged, to the object spec.outputs names, and deletes
// the outputs objects of obj that spec.outputs no longer names. An object of that name that obj does not
// control is left as it is and reported as a stall: writing over it could break whatever it belongs to.
func (r *ComposeStackReconciler) syncOutputs(ctx context.Context, obj *csv1.ComposeStack, outputs map[string]string) error {
	if err := r.pruneOutputs(ctx, obj); err != nil {
		return err
	}
	name := obj.OutputsName()
	if name == "" {
		return nil
	}
	kind := obj.OutputsKind()
	target := newOutputsObject(kind)
	err := r.Get(ctx, client.ObjectKey{Namespace: obj.Namespace, Name: name}, target)
	switch {
	case apierrors.IsNotFound(err):
		target.SetNamespace(obj.Namespace)
		target.SetName(name)
		setOutputs(target, obj, outputs)
		if err := controllerutil.SetControllerReference(obj, target, r.Scheme()); err != nil {
			return fmt.Errorf("owning %s %s: %w", kind, name, err)
		}
		if err := r.Create(ctx, target); err != nil {
			return fmt.Errorf("creating %s %s: %w", kind, name, err)
		}
	case err != nil:
		return fmt.Errorf("reading %s %s: %w", kind, name, err)
	case !metav1.IsControlledBy(target, obj):
		return stalled(csv1.ReasonOutputsConflict,
			"spec.outputs: %s %s already exists and does not belong to this ComposeStack, so the stack's outputs are not written to it; delete it, or name another in spec.outputs.name",
			kind, name)
	case !setOutputs(target, obj, outputs):
		return nil
	default:
		if err := r.Update(ctx, target); err != nil {
			return fmt.Errorf("updating %s %s: %w", kind, name, err)
		}
	}
	r.event(obj, csv1.ReasonOutputsWritten, "WriteOutputs",
		fmt.Sprintf("wrote %d stack outputs to %s %s", len(outputs), kind, name))
	return nil
}

// pruneOutputs deletes the outputs objects of obj other than the one spec.outputs names: those of an earlier
// name or kind, or all of them once spec.outputs is removed. Deleting the ComposeStack deletes them through
// their owner reference.
func (r *ComposeStackReconciler) pruneOutputs(ctx context.Context, obj *csv1.ComposeStack) error {
	sel := client.MatchingLabels{csv1.LabelOutputsOf: string(obj.UID)}
	var cms corev1.ConfigMapList
	if err := r.List(ctx, &cms, client.InNamespace(obj.Namespace), sel); err != nil {
		return fmt.Errorf("listing outputs ConfigMaps: %w", err)
	}
	var secrets corev1.SecretList
	if err := r.List(ctx, &secrets, client.InNamespace(obj.Namespace), sel); err != nil {
		return fmt.Errorf("listing outputs Secrets: %w", err)
	}
	stale := make([]client.Object, 0, len(cms.Items)+len(secrets.Items))
	for i := range cms.Items {
		stale = append(stale, &cms.Items[i])
	}
	for i := range secrets.Items {
		stale = append(stale, &secrets.Items[i])
	}
	for _, o := range stale {
		kind := csv1.OutputsConfigMap
		if _, ok := o.(*corev1.Secret); ok {
			kind = csv1.OutputsSecret
		}
		if (kind == obj.OutputsKind() && o.GetName() == obj.OutputsName()) || !metav1.IsControlledBy(o, obj) {
			continue
		}
		if err := r.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting %s %s, which spec.outputs no longer names: %w", kind, o.GetName(), err)
		}
	}
	return nil
}

func newOutputsObject(kind csv1.OutputsKind) client.Object {
	if kind == csv1.OutputsSecret {
		return &corev1.Secret{}
	}
	return &corev1.ConfigMap{}
}

// setOutputs puts outputs and the label that marks the object as obj's outputs into o, a ConfigMap or Secret,
// and says whether that changed it. Each output key is a key of the object: CloudFormation output keys are
// alphanumeric, which ConfigMap and Secret keys allow.
func setOutputs(o client.Object, obj *csv1.ComposeStack, outputs map[string]string) bool {
	changed := false
	labels := o.GetLabels()
	if labels[csv1.LabelOutputsOf] != string(obj.UID) {
		if labels == nil {
			labels = map[string]string{}
		}
		labels[csv1.LabelOutputsOf] = string(obj.UID)
		o.SetLabels(labels)
		changed = true
	}
	switch o := o.(type) {
	case *corev1.ConfigMap:
		if !maps.Equal(o.Data, outputs) || len(o.BinaryData) > 0 {
			o.Data = maps.Clone(outputs)
			o.BinaryData = nil
			changed = true
		}
	case *corev1.Secret:
		want := make(map[string][]byte, len(outputs))
		for k, v := range outputs {
			want[k] = []byte(v)
		}
		if !maps.EqualFunc(o.Data, want, bytes.Equal) {
			o.Data = want
			changed = true
		}
	}
	return changed
}
