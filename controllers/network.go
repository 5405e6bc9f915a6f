package controllers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/render"
	"github.com/composestack/composestack/internal/stack"
)

// refComposeNetwork prefixes the index key of the ComposeNetwork a stack refers to, in the index of references.
const refComposeNetwork = "composenetwork/"

// networkRefName is the ComposeNetwork that obj's spec.network.networkRef names, "" without one.
func networkRefName(obj *csv1.ComposeStack) string {
	if n := obj.Spec.Network; n != nil && n.NetworkRef != nil {
		return n.NetworkRef.Name
	}
	return ""
}

// networkRefKey is the index key of the ComposeNetwork obj refers to, if any.
func networkRefKey(obj *csv1.ComposeStack) []string {
	if name := networkRefName(obj); name != "" {
		return []string{refComposeNetwork + name}
	}
	return nil
}

// specNetwork is where spec.network places the stack before anything is looked up in AWS: with networkRef, into
// the ComposeNetwork's exports.
func (r *ComposeStackReconciler) specNetwork(ctx context.Context, obj *csv1.ComposeStack) (render.Network, error) {
	if networkRefName(obj) == "" {
		return stack.SpecNetwork(obj.Spec.Network), nil
	}
	exports, err := r.networkExports(ctx, obj)
	if err != nil {
		return render.Network{}, err
	}
	return stack.RefNetwork(obj.Spec.Network, *exports), nil
}

// networkExports are the export names of the ComposeNetwork obj refers to. A network that does not exist, has
// not been Ready yet (its exports are published when its stack first converges) or is being deleted is waited
// for: the watch on ComposeNetworks brings the stack back when it changes.
func (r *ComposeStackReconciler) networkExports(ctx context.Context, obj *csv1.ComposeStack) (*csv1.NetworkExports, error) {
	name := networkRefName(obj)
	net := &csv1.ComposeNetwork{}
	err := r.Get(ctx, client.ObjectKey{Namespace: obj.Namespace, Name: name}, net)
	if apierrors.IsNotFound(err) {
		return nil, networkNotReady("spec.network.networkRef: ComposeNetwork %q does not exist in namespace %q; waiting for it to be created", name, obj.Namespace)
	}
	if err != nil {
		return nil, fmt.Errorf("reading ComposeNetwork %s/%s: %w", obj.Namespace, name, err)
	}
	if !net.DeletionTimestamp.IsZero() {
		return nil, networkNotReady("spec.network.networkRef: ComposeNetwork %q is being deleted; point spec.network elsewhere, or delete this ComposeStack", name)
	}
	if net.Status.Exports == nil {
		msg := fmt.Sprintf("spec.network.networkRef: waiting for ComposeNetwork %q to be Ready", name)
		if c := meta.FindStatusCondition(net.Status.Conditions, csv1.ConditionReady); c != nil && c.Message != "" {
			msg += " (" + c.Reason + ": " + c.Message + ")"
		}
		return nil, networkNotReady("%s", msg)
	}
	return net.Status.Exports, nil
}

// networkChangedForStacks says whether a change of a ComposeNetwork changes what the stacks that refer to it read
// (networkExports): its exports, whether it is being deleted, and, while it has no exports, its Ready condition,
// which their waiting message quotes. Its other status changes (usedBy, as stacks come and go) concern none of
// them.
func networkChangedForStacks(old, cur *csv1.ComposeNetwork) bool {
	if !equality.Semantic.DeepEqual(old.Status.Exports, cur.Status.Exports) ||
		old.DeletionTimestamp.IsZero() != cur.DeletionTimestamp.IsZero() {
		return true
	}
	if cur.Status.Exports != nil {
		return false
	}
	a := meta.FindStatusCondition(old.Status.Conditions, csv1.ConditionReady)
	b := meta.FindStatusCondition(cur.Status.Conditions, csv1.ConditionReady)
	return (a == nil) != (b == nil) || a != nil && (a.Reason != b.Reason || a.Message != b.Message)
}

// networkDigest is what a ComposeNetwork contributes to the input digest: the export names the template imports,
// or "" without networkRef.
func (r *ComposeStackReconciler) networkDigest(ctx context.Context, obj *csv1.ComposeStack) (string, error) {
	if networkRefName(obj) == "" {
		return "", nil
	}
	exports, err := r.networkExports(ctx, obj)
	if err != nil {
		return "", err
	}
	js, err := json.Marshal(exports)
	if err != nil {
		return "", fmt.Errorf("encoding the network's exports: %w", err)
	}
	return string(js), nil
}

// resolveNetwork places the stack (stack.Place); a spec that cannot be placed stalls until it changes.
func resolveNetwork(ctx context.Context, needs render.Needs, n render.Network, sc StackClient) (render.Network, error) {
	n, err := stack.Place(ctx, needs, n, sc)
	if errors.Is(err, stack.ErrImportedVPCWithoutSubnets) {
		return n, stalled(csv1.ReasonInvalidCompose, "%v", err)
	}
	return n, err
}
