package controllers_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// TestUnchangedInputsAreNotRendered checks that a reconcile of a Ready stack whose inputs did not change
// does not render the project, and that a new resourceVersion of a referenced
// ConfigMap, even with the same data, is rendered again.
func TestUnchangedInputsAreNotRendered(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "files", Namespace: ns},
		Data: map[string]string{"compose.yaml": webCompose}}
	if err := env.Client.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}
	obj := newStack(ns, "still", "")
	obj.Spec.Compose.Files = []csv1.ComposeFile{{Name: "compose.yaml",
		ConfigMapKeyRef: &csv1.KeyReference{Name: cm.Name, Key: "compose.yaml"}}}
	create(t, obj)
	waitStack(t, obj, "Ready", readyAt)

	rendered, unchanged := renderCount(t, "rendered"), renderCount(t, "unchanged")
	// An annotation brings a reconcile and changes no input.
	touched := &csv1.ComposeStack{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(obj), touched); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(touched.DeepCopy())
	touched.Annotations = map[string]string{"example.com/touched": "1"}
	if err := env.Client.Patch(ctx, touched, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a reconcile of unchanged inputs", 30*time.Second, func() (bool, string) {
		return renderCount(t, "unchanged") > unchanged, "no reconcile reused its render yet"
	})
	if n := renderCount(t, "rendered"); n != rendered {
		t.Errorf("rendered %v times for an unchanged project", n-rendered)
	}

	// Same data, new resourceVersion: the digest cannot tell, so it renders again.
	cm.Labels = map[string]string{"example.com/touched": "1"}
	if err := env.Client.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a render after the ConfigMap changed", 30*time.Second, func() (bool, string) {
		return renderCount(t, "rendered") > rendered, "not rendered again"
	})
}

func renderCount(t *testing.T, outcome string) float64 {
	t.Helper()
	families, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "composestack_renders_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
