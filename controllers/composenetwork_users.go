package controllers

import (
	"context"
	"fmt"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// users are the names of the ComposeStacks in the network's namespace that refer to it, sorted, those being
// deleted included: their stacks import the network's exports until they are gone.
func (r *ComposeNetworkReconciler) users(ctx context.Context, obj *csv1.ComposeNetwork) ([]string, error) {
	var list csv1.ComposeStackList
	if err := r.List(ctx, &list, client.InNamespace(obj.Namespace)); err != nil {
		return nil, fmt.Errorf("listing the ComposeStacks of namespace %s: %w", obj.Namespace, err)
	}
	var out []string
	for i := range list.Items {
		if networkRefName(&list.Items[i]) == obj.Name {
			out = append(out, list.Items[i].Name)
		}
	}
	slices.Sort(out)
	return out, nil
}
