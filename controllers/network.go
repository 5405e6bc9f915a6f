package controllers

import (
	"context"
	"errors"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/render"
	"github.com/composestack/composestack/internal/stack"
)

// resolveNetwork places the stack (stack.Place); a spec that cannot be placed stalls until it changes.
func resolveNetwork(ctx context.Context, needs render.Needs, n render.Network, sc StackClient) (render.Network, error) {
	n, err := stack.Place(ctx, needs, n, sc)
	if errors.Is(err, stack.ErrImportedVPCWithoutSubnets) {
		return n, stalled(csv1.ReasonInvalidCompose, "%v", err)
	}
	return n, err
}
