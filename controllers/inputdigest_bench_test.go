package controllers

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// fakeAWS answers the network lookups a render needs; the benchmark makes no other call.
type fakeAWS struct{ StackClient }

func (fakeAWS) For(context.Context, string, string) (StackClient, error) { return fakeAWS{}, nil }
func (fakeAWS) ResolveNetwork(context.Context, string) (string, []string, error) {
	return "vpc-1", []string{"subnet-1", "subnet-2"}, nil
}
func (fakeAWS) ResolveLoadBalancer(context.Context, string) (stack.LoadBalancer, error) {
	return stack.LoadBalancer{}, nil
}

// BenchmarkDesired compares what a reconcile spends on the template when its inputs changed (load and
// render) and when they did not (the input digest alone).
func BenchmarkDesired(b *testing.B) {
	scheme := runtime.NewScheme()
	if err := csv1.AddToScheme(scheme); err != nil {
		b.Fatal(err)
	}
	obj := &csv1.ComposeStack{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "ns", UID: "uid"},
		Spec: csv1.ComposeStackSpec{Compose: csv1.ComposeProject{Files: []csv1.ComposeFile{{Name: "compose.yaml",
			Inline: ptr.To("services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n  worker:\n    image: busybox:1.36\n")}}}}}
	r := &ComposeStackReconciler{Client: fake.NewClientBuilder().WithScheme(scheme).Build(), Stacks: fakeAWS{},
		DefaultRegion: "us-east-1", renders: newRenders()}
	ctx := context.Background()
	b.Run("changed", func(b *testing.B) {
		for b.Loop() {
			r.renders.forget(client.ObjectKeyFromObject(obj))
			if _, _, err := r.desired(ctx, obj); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := r.desired(ctx, obj); err != nil {
				b.Fatal(err)
			}
		}
	})
}
