package controllers_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// greeting is an overlay that declares an output of its own.
func greeting(value string) []csv1.Overlay {
	return []csv1.Overlay{{Inline: ptr.To("Outputs:\n  Greeting:\n    Value: " + value + "\n")}}
}

// TestOutputsConfigMap follows an outputs object through its life: written once the stack is Ready, owned by
// the ComposeStack, rewritten when an output changes or someone deletes it, moved to a Secret when asked, and
// deleted once spec.outputs is removed.
func TestOutputsConfigMap(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	obj := newStack(ns, "web", webCompose)
	obj.Spec.Stack.Overlays = greeting("hello")
	obj.Spec.Outputs = &csv1.OutputsSpec{}
	create(t, obj)
	got := waitStack(t, obj, "Ready", readyAt)

	cm := waitConfigMap(t, ns, "web-outputs", "the outputs", func(cm *corev1.ConfigMap) bool {
		return cm.Data["Greeting"] == "hello"
	})
	if !maps.Equal(cm.Data, got.Status.Outputs) {
		t.Errorf("ConfigMap data %v, want status.outputs %v", cm.Data, got.Status.Outputs)
	}
	for _, k := range []string{"LoadBalancerDNSName", "LoadBalancerCanonicalHostedZoneID", "WebServiceName", "Cluster"} {
		if cm.Data[k] == "" {
			t.Errorf("ConfigMap lacks output %s: %v", k, cm.Data)
		}
	}
	if !metav1.IsControlledBy(cm, got) {
		t.Errorf("ConfigMap owners %+v, want controlled by ComposeStack %s", cm.OwnerReferences, got.UID)
	}
	waitEvent(t, obj, corev1.EventTypeNormal, csv1.ReasonOutputsWritten, "to ConfigMap web-outputs")

	update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Stack.Overlays = greeting("world") })
	waitConfigMap(t, ns, "web-outputs", "the changed output", func(cm *corev1.ConfigMap) bool {
		return cm.Data["Greeting"] == "world"
	})

	if err := env.Client.Delete(ctx, cm); err != nil {
		t.Fatal(err)
	}
	waitConfigMap(t, ns, "web-outputs", "the deleted ConfigMap written again", func(again *corev1.ConfigMap) bool {
		return again.UID != cm.UID && again.Data["Greeting"] == "world"
	})

	update(t, obj, func(o *csv1.ComposeStack) {
		o.Spec.Outputs = &csv1.OutputsSpec{Name: "web-secret", Kind: csv1.OutputsSecret}
	})
	secret := &corev1.Secret{}
	eventually(t, "the outputs in a Secret", 30*time.Second, func() (bool, string) {
		err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-secret"}, secret)
		if err != nil {
			return false, err.Error()
		}
		return string(secret.Data["Greeting"]) == "world" && metav1.IsControlledBy(secret, got), "data " + strings.Join(slices.Sorted(maps.Keys(secret.Data)), ",")
	})
	gone(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-outputs"}})

	update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Outputs = nil })
	gone(t, secret)
}

// TestOutputsConflict checks that an existing ConfigMap that the ComposeStack does not own is never written
// over: the object stalls and says why, and goes on once the ConfigMap is out of the way.
func TestOutputsConflict(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	taken := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "taken", Namespace: ns},
		Data: map[string]string{"mine": "yes"}}
	if err := env.Client.Create(ctx, taken); err != nil {
		t.Fatal(err)
	}
	obj := newStack(ns, "web", webCompose)
	obj.Spec.Outputs = &csv1.OutputsSpec{Name: "taken"}
	create(t, obj)
	stalledMessage(t, obj, csv1.ReasonOutputsConflict, "ConfigMap taken", "spec.outputs.name")
	after := &corev1.ConfigMap{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(taken), after); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(after.Data, taken.Data) || len(after.OwnerReferences) != 0 {
		t.Fatalf("the unowned ConfigMap was changed: data %v, owners %v", after.Data, after.OwnerReferences)
	}

	// Its owner deletes it: the watch brings the ComposeStack back, which writes its own.
	if err := env.Client.Delete(ctx, taken); err != nil {
		t.Fatal(err)
	}
	got := waitStack(t, obj, "Ready", readyAt)
	cm := waitConfigMap(t, ns, "taken", "the outputs", func(cm *corev1.ConfigMap) bool { return cm.Data["Cluster"] != "" })
	if !metav1.IsControlledBy(cm, got) || cm.Data["mine"] != "" {
		t.Fatalf("ConfigMap owners %v, data %v", cm.OwnerReferences, cm.Data)
	}
}

// waitConfigMap polls the ConfigMap until cond holds.
func waitConfigMap(t *testing.T, ns, name, what string, cond func(*corev1.ConfigMap) bool) *corev1.ConfigMap {
	t.Helper()
	cm := &corev1.ConfigMap{}
	eventually(t, what+" in ConfigMap "+name, 30*time.Second, func() (bool, string) {
		cm = &corev1.ConfigMap{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, cm); err != nil {
			return false, err.Error()
		}
		return cond(cm), "data: " + strings.Join(slices.Sorted(maps.Keys(cm.Data)), ",")
	})
	return cm
}

// gone waits until the API server no longer has o.
func gone(t *testing.T, o client.Object) {
	t.Helper()
	eventually(t, o.GetName()+" deleted", 30*time.Second, func() (bool, string) {
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(o), o)
		return apierrors.IsNotFound(err), "still there"
	})
}
