package controllers

import (
	"context"
	"errors"
	"maps"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/compose"
	"github.com/composestack/composestack/internal/render"
	"github.com/composestack/composestack/internal/stack"
)

// maxProblemsMessage bounds the list of render problems in the Stalled message: enough for dozens of them, far
// under the 32 KiB a condition message may hold.
const maxProblemsMessage = 4096

// rendered is what the spec renders to: the stack to converge to, and what status reports about it.
type rendered struct {
	stack    stack.Desired
	warnings []string
	// listeners become status.endpoints once the stack has converged to this template, and not before.
	listeners []csv1.Listener
	// reattached are the retained file systems the template mounts, sorted by volume; like listeners, they
	// reach status once the stack has converged.
	reattached []csv1.ReattachedFileSystem
}

// desired is the stack the driver should converge to. It is the one place where the spec becomes a
// template, so that suspend and sync compare the same thing. When the inputs are those last rendered, the
// project is neither loaded nor rendered again. It does not touch status: the caller writes what it returns.
func (r *ComposeStackReconciler) desired(ctx context.Context, obj *csv1.ComposeStack) (*rendered, StackClient, error) {
	key := client.ObjectKeyFromObject(obj)
	digest, err := r.inputDigest(ctx, obj)
	if err != nil {
		return nil, nil, err
	}
	out, ok := r.renders.get(key, digest)
	if ok {
		rendersTotal.WithLabelValues("unchanged").Inc()
		sc, err := r.stackClient(ctx, obj)
		if err != nil {
			return nil, nil, err
		}
		want := *out
		want.stack.LastAppliedDigest = obj.Status.LastAppliedDigest
		want.stack.LastAttemptedDigest = obj.Status.LastAttemptedDigest
		want.stack.LastStackStatus = obj.Status.StackStatus
		return &want, sc, nil
	}
	rendersTotal.WithLabelValues("rendered").Inc()
	out, sc, err := r.render(ctx, obj)
	if err != nil {
		r.renders.forget(key)
		return nil, nil, err
	}
	r.renders.put(key, digest, out)
	return out, sc, nil
}

// render loads and renders the project, looking up what the template needs from AWS on the way.
func (r *ComposeStackReconciler) render(ctx context.Context, obj *csv1.ComposeStack) (*rendered, StackClient, error) {
	in, err := r.gatherInputs(ctx, obj)
	if err != nil {
		return nil, nil, err
	}
	loaded, err := compose.Load(ctx, in.source)
	if err != nil {
		return nil, nil, stalled(csv1.ReasonInvalidCompose, "spec.compose: %v", err)
	}
	network, err := r.specNetwork(ctx, obj)
	if err != nil {
		return nil, nil, err
	}
	needs, err := render.NeedsOf(loaded.Project, network)
	if err != nil {
		return nil, nil, stalled(csv1.ReasonInvalidCompose, "spec.compose: %v", err)
	}
	sc, err := r.stackClient(ctx, obj)
	if err != nil {
		return nil, nil, err
	}
	network, err = resolveNetwork(ctx, needs, network, sc)
	if err != nil {
		return nil, nil, err
	}
	// A file system that an earlier stack of the project retained is mounted again, as Docker did.
	fileSystems, err := sc.FindRetainedFileSystems(ctx, obj.ProjectName(), needs.Volumes)
	if err != nil {
		return nil, nil, err
	}
	out, err := render.Render(loaded.Project, render.Options{
		ProjectName:    obj.ProjectName(),
		Network:        network,
		Overlays:       in.overlays,
		SensitiveEnv:   loaded.SensitiveEnv,
		Files:          loaded.Files,
		SensitiveFiles: loaded.SensitiveFiles,
		Helpers:        r.helpers(obj.Spec.Helpers),
		// The user's opt-in to store bind mounts on EFS (Fargate has no host to bind from).
		EFSBindMounts: obj.Spec.Compose.EFSBindMounts,
		FileSystems:   fileSystems,
	})
	var oe *render.OverlayError
	if errors.As(err, &oe) && oe.Index >= 0 {
		return nil, nil, stalled(csv1.ReasonInvalidOverlay, "spec.stack.overlays[%d]: %v", oe.Index, oe.Err)
	}
	var problems render.Problems
	if errors.As(err, &problems) {
		// Every problem at once, so the user fixes them in one round, within a bound however many there are.
		return nil, nil, stalled(csv1.ReasonInvalidCompose, "spec.compose: %s", problems.Summary(maxProblemsMessage))
	}
	if err != nil {
		return nil, nil, stalled(csv1.ReasonInvalidCompose, "spec.compose: %v", err)
	}

	params := make([]stack.Parameter, 0, len(out.Parameters)+len(obj.Spec.Stack.Parameters))
	for _, p := range out.Parameters {
		params = append(params, stack.Parameter{Key: p.Key, Value: p.Value, Sensitive: p.Sensitive})
	}
	for k, v := range obj.Spec.Stack.Parameters {
		params = append(params, stack.Parameter{Key: k, Value: v})
	}
	bucket := obj.Spec.Stack.TemplateBucket
	if bucket == "" {
		bucket = r.DefaultTemplateBucket
	}
	listeners := make([]csv1.Listener, 0, len(out.Listeners))
	for _, l := range out.Listeners {
		listeners = append(listeners, csv1.Listener{Service: l.Service, Port: l.Port, Protocol: l.Protocol})
	}
	return &rendered{
		stack: stack.Desired{
			StackName:                 obj.StackName(),
			TemplateBody:              out.Body,
			Parameters:                params,
			Tags:                      obj.Spec.Stack.Tags,
			Project:                   out.ProjectName,
			Owner:                     ownerOf(obj),
			Adopt:                     obj.Spec.Stack.Adopt,
			AllowAdoptionReplacements: obj.Spec.Stack.AllowAdoptionReplacements,
			TemplateBucket:            bucket,
			ResyncInterval:            obj.Interval(),
			LastAppliedDigest:         obj.Status.LastAppliedDigest,
			LastAttemptedDigest:       obj.Status.LastAttemptedDigest,
			LastStackStatus:           obj.Status.StackStatus,
		},
		warnings:   slices.Concat(loaded.Warnings, out.Warnings),
		listeners:  listeners,
		reattached: reattachedOf(fileSystems),
	}, sc, nil
}

// helpers is what the helper init containers run: spec.helpers over the controller's defaults.
func (r *ComposeStackReconciler) helpers(spec *csv1.HelpersSpec) render.Helpers {
	h := r.DefaultHelpers
	if spec == nil {
		return h
	}
	if spec.Image != "" {
		h.Image = spec.Image
	}
	if spec.DockerCompatible != nil {
		h.DockerCompatible = *spec.DockerCompatible
	}
	return h
}

// reattachedOf lists the file systems to mount again, sorted by volume.
func reattachedOf(fileSystems map[string]string) []csv1.ReattachedFileSystem {
	var out []csv1.ReattachedFileSystem
	for _, vol := range slices.Sorted(maps.Keys(fileSystems)) {
		out = append(out, csv1.ReattachedFileSystem{Volume: vol, FileSystemID: fileSystems[vol]})
	}
	return out
}
