package controllers

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// TestPatchStatusOnlyWhenChanged checks that patchStatus sends nothing for a status that differs only in a
// nil against an empty list or map, and one patch for a real change.
func TestPatchStatusOnlyWhenChanged(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := csv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	base := &csv1.ComposeStack{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}}
	base.Status.StackStatus = "CREATE_COMPLETE"
	patches := 0
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(base.DeepCopy()).WithStatusSubresource(base).
		WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, o client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			patches++
			return c.SubResource(sub).Patch(ctx, o, p, opts...)
		}}).Build()
	r := &ComposeStackReconciler{Client: c, Now: time.Now}

	same := base.DeepCopy()
	same.Status.Warnings = []string{}
	same.Status.Outputs = map[string]string{}
	if err := r.patchStatus(context.Background(), base, same); err != nil {
		t.Fatal(err)
	}
	if patches != 0 {
		t.Fatalf("%d status patches for a status that did not change; want none", patches)
	}

	changed := base.DeepCopy()
	changed.Status.StackStatus = "UPDATE_IN_PROGRESS"
	if err := r.patchStatus(context.Background(), base, changed); err != nil {
		t.Fatal(err)
	}
	if patches != 1 {
		t.Fatalf("%d status patches for a changed status; want one", patches)
	}
}
