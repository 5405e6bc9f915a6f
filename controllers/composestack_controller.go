package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/awsclient"
	"github.com/composestack/composestack/internal/render"
	"github.com/composestack/composestack/internal/stack"
)

// ComposeStackReconciler converges a ComposeStack's CloudFormation stack to its spec.
type ComposeStackReconciler struct {
	client.Client
	// Recorder records Kubernetes Events on transitions.
	Recorder events.EventRecorder
	// Stacks gives the AWS side for a region and role.
	Stacks StackClients
	// DefaultRegion is used for stacks that name none.
	DefaultRegion string
	// DefaultTemplateBucket is used for stacks that name none.
	DefaultTemplateBucket string
	// AllowedRoleARNs are the roles that spec.stack.roleARN may name; a trailing `*` matches any suffix.
	AllowedRoleARNs []string
	// DefaultHelpers is what the helper init containers run for stacks whose spec.helpers leaves it unset.
	DefaultHelpers render.Helpers
	// Now is the clock, for time-to-Ready; time.Now when nil.
	Now func() time.Time

	tracker *tracker
	renders *renders
}

// ReconcileTimeout is the default time budget of one reconcile (controller.Options.ReconciliationTimeout). A
// reconcile issues calls and returns; one that takes longer is stuck on something, and must give its worker back
// so that one object cannot hold the others up.
const ReconcileTimeout = time.Minute

// statusPatchTimeout bounds the status patch at the end of a reconcile, which runs past the reconcile's own budget.
const statusPatchTimeout = 10 * time.Second

// SetupWithManager registers the reconciler, its index and its watches. Without an
// opts.ReconciliationTimeout, each reconcile gets ReconcileTimeout.
func (r *ComposeStackReconciler) SetupWithManager(mgr ctrl.Manager, opts controller.Options) error {
	if opts.ReconciliationTimeout == 0 {
		opts.ReconciliationTimeout = ReconcileTimeout
	}
	r.tracker = newTracker()
	r.renders = newRenders()
	if r.Now == nil {
		r.Now = time.Now
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &csv1.ComposeStack{}, refIndex,
		func(o client.Object) []string {
			obj := o.(*csv1.ComposeStack)
			return slices.Concat(references(obj), outputsRef(obj), networkRefKey(obj))
		}); err != nil {
		return fmt.Errorf("indexing ComposeStack references: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&csv1.ComposeStack{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.referencing(refConfigMap))).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.referencing(refSecret))).
		Watches(&csv1.ComposeNetwork{}, handler.EnqueueRequestsFromMapFunc(r.referencing(refComposeNetwork)),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
				return networkChangedForStacks(e.ObjectOld.(*csv1.ComposeNetwork), e.ObjectNew.(*csv1.ComposeNetwork))
			}})).
		WithOptions(opts).
		Named("composestack").
		Complete(r)
}

// referencing maps a ConfigMap, Secret or ComposeNetwork to the ComposeStacks in its namespace that read it.
func (r *ComposeStackReconciler) referencing(prefix string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []ctrl.Request {
		var list csv1.ComposeStackList
		if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()),
			client.MatchingFields{refIndex: prefix + o.GetName()}); err != nil {
			log.FromContext(ctx).Error(err, "listing ComposeStacks that reference", "object", prefix+o.GetName())
			return nil
		}
		reqs := make([]ctrl.Request, 0, len(list.Items))
		for i := range list.Items {
			reqs = append(reqs, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
		return reqs
	}
}

// step is what one reconcile did, for its log line, and when to look again. Inner steps return it; only
// Reconcile turns it into a ctrl.Result.
type step struct {
	action  string        // a stack.Action*, or what the controller did instead (actionRemoveFinalizer)
	requeue time.Duration // 0: not until the object or an input changes
}

// actionRemoveFinalizer: the object was let go, its stack deleted or retained.
const actionRemoveFinalizer = "RemoveFinalizer"

// resync spreads the periodic checks out, so that stacks created together are not all looked at again in
// the same instant: up to a tenth later than interval.
func resync(interval time.Duration) time.Duration { return wait.Jitter(interval, 0.1) }

// Reconcile fetches the object once, works on it, and patches its status once, on the way out, where it
// also logs one line saying what the reconcile did.
func (r *ComposeStackReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	// Namespaces take turns at the account's CloudFormation rate limits, so that none can starve the others.
	ctx = awsclient.WithTenant(ctx, req.Namespace)
	obj := &csv1.ComposeStack{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			r.tracker.forget(req.NamespacedName)
			r.renders.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	base := obj.DeepCopy()
	var done step
	defer func() {
		// The status says why the reconcile stopped, even when its time budget ran out: it is written with a
		// context of its own.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusPatchTimeout)
		defer cancel()
		if err := r.patchStatus(pctx, base, obj); err != nil {
			// The stall was not recorded, so it is retried rather than left for a change that may not come.
			if errors.Is(retErr, reconcile.TerminalError(nil)) {
				retErr = errors.Unwrap(retErr)
			}
			retErr = kerrors.NewAggregate([]error{retErr, err})
			result = ctrl.Result{}
		}
		logReconcile(ctx, obj, obj.Status.StackStatus, done, result, retErr)
	}()

	var err error
	if obj.DeletionTimestamp.IsZero() {
		done, err = r.reconcileNormal(ctx, obj)
	} else {
		done, err = r.reconcileDelete(ctx, obj)
	}
	if err != nil {
		// controller-runtime ignores a requeue that comes with an error.
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: done.requeue}, nil
}

// logReconcile writes the one line that says what a reconcile did: the action taken, the stack status and
// Ready reason it left, and when it looks again.
func logReconcile(ctx context.Context, obj conditioned, stackStatus string, done step, result ctrl.Result, err error) {
	kv := []any{"action", done.action, "stackStatus", stackStatus, "requeueAfter", result.RequeueAfter.String()}
	if c := readyCondition(obj); c != nil {
		kv = append(kv, "ready", c.Status, "reason", c.Reason)
	}
	if err != nil {
		kv = append(kv, "error", err.Error())
	}
	log.FromContext(ctx).Info("reconciled", kv...)
}

// patchStatus writes the status if it changed. A merge patch without optimistic locking: the controller is
// the status's only writer.
func (r *ComposeStackReconciler) patchStatus(ctx context.Context, base, obj *csv1.ComposeStack) error {
	r.tracker.observe(obj, r.Now())
	boundStatus(&obj.Status)
	if equalStatus(&base.Status, &obj.Status) {
		return nil
	}
	return patchStatus(ctx, r.Client, base, obj)
}

// reconcileNormal renders the project and takes the stack one step toward it. The finalizer is persisted
// before any AWS call, so no stack can exist that the controller forgot.
func (r *ComposeStackReconciler) reconcileNormal(ctx context.Context, obj *csv1.ComposeStack) (step, error) {
	if err := addFinalizer(ctx, r.Client, obj); err != nil {
		return step{action: stack.ActionNone}, err
	}
	obj.Status.StackName = obj.StackName()
	want, sc, err := r.desired(ctx, obj)
	if err != nil {
		return r.fail(obj, err)
	}
	obj.Status.Warnings = want.warnings
	if obj.Spec.Suspend {
		r.suspended(obj, &want.stack)
		return step{action: stack.ActionNone}, nil
	}
	// A copy: want may be the cached render, which holds no per-reconcile state.
	d := want.stack
	d.RevertDrift = revertDrift(obj)
	res, err := sc.Sync(ctx, d)
	if err != nil {
		return r.fail(obj, err)
	}
	done := r.apply(obj, res, want)
	if res.Phase == stack.PhaseConverged {
		// Only a converged stack's outputs are those of the template it runs.
		if err := r.syncOutputs(ctx, obj, obj.Status.Outputs); err != nil {
			return r.fail(obj, err)
		}
	}
	done.requeue = r.reconcileDrift(ctx, obj, sc, res, done.requeue)
	return done, nil
}

// suspended reports a suspended stack without touching it: Ready says whether the stack last matched this
// spec.
func (r *ComposeStackReconciler) suspended(obj *csv1.ComposeStack, desired *stack.Desired) {
	setSuspended(obj, obj.Status.LastAppliedDigest, desired)
}

// setSuspended reports a suspended stack of any kind, whose last applied digest is lastApplied.
func setSuspended(obj conditioned, lastApplied string, desired *stack.Desired) {
	if lastApplied != "" && lastApplied == stack.Digest(*desired) {
		setConditions(obj, phaseSuspended, metav1.ConditionTrue, csv1.ReasonSuspended,
			"reconciliation is suspended; the stack matched this spec when last checked")
	} else {
		setConditions(obj, phaseSuspended, metav1.ConditionFalse, csv1.ReasonSuspended,
			"reconciliation is suspended; changes are applied once spec.suspend is false")
	}
}

// reconcileDelete deletes the stack (policy Delete) or leaves it (Retain), and only then lets the object go.
func (r *ComposeStackReconciler) reconcileDelete(ctx context.Context, obj *csv1.ComposeStack) (step, error) {
	if !controllerutil.ContainsFinalizer(obj, csv1.Finalizer) {
		return step{action: stack.ActionNone}, nil
	}
	if obj.DeletionPolicy() == csv1.DeletionPolicyDelete && obj.Status.StackName != "" {
		sc, err := r.stackClient(ctx, obj)
		if _, isStalled := asStalled(err); isStalled && obj.Status.StackID == "" {
			// No stack was ever made (the region or role was never usable), so there is nothing to delete.
			return r.removeFinalizer(ctx, obj)
		}
		if err != nil {
			return r.fail(obj, err)
		}
		res, err := sc.Delete(ctx, obj.Status.StackName, ownerOf(obj))
		var t *stack.TerminalError
		if errors.As(err, &t) && t.Reason == csv1.ReasonOwnershipConflict {
			// The stack is not ours (it never was, or someone else took it): it is left alone, and the
			// object, which owns nothing in AWS, may go.
			r.event(obj, csv1.ReasonOwnershipConflict, "Delete",
				fmt.Sprintf("left stack %s in place: %s", obj.Status.StackName, t.Error()))
			return r.removeFinalizer(ctx, obj)
		}
		if err != nil {
			return r.fail(obj, err)
		}
		obj.Status.StackStatus = res.StackStatus
		obj.Status.StackStatusReason = res.StackStatusReason
		obj.Status.FailedResources = failedResources(res.FailedResources)
		r.applyProgress(obj, res.Progress)
		if res.Phase != stack.PhaseDeleted {
			reason, msg := csv1.ReasonDeleting, "deleting stack "+obj.Status.StackName
			p := phaseProgressing
			if res.Phase == stack.PhaseFailed {
				reason, msg, p = csv1.ReasonDeleteFailed, deleteFailedMessage(obj.Status.StackName, res), phaseRetrying
			}
			r.transition(obj, reason, msg)
			if res.Progress != nil {
				msg = withProgress(msg, obj.Status.Progress)
			}
			setConditions(obj, p, metav1.ConditionFalse, reason, msg)
			return step{action: res.Action, requeue: res.RequeueAfter}, nil
		}
		r.event(obj, csv1.ReasonDeleted, "Delete", "deleted stack "+obj.Status.StackName)
	} else if obj.Status.StackName != "" {
		r.event(obj, csv1.ReasonRetained, "Delete",
			fmt.Sprintf("left stack %s in place (spec.stack.deletionPolicy is Retain)", obj.Status.StackName))
	}
	return r.removeFinalizer(ctx, obj)
}

// removeFinalizer lets the object go.
func (r *ComposeStackReconciler) removeFinalizer(ctx context.Context, obj *csv1.ComposeStack) (step, error) {
	if err := removeFinalizer(ctx, r.Client, obj); err != nil {
		return step{action: stack.ActionNone}, err
	}
	r.tracker.forget(client.ObjectKeyFromObject(obj))
	r.renders.forget(client.ObjectKeyFromObject(obj))
	return step{action: actionRemoveFinalizer}, nil
}

func deleteFailedMessage(name string, res stack.Result) string {
	msg := "CloudFormation could not delete stack " + name
	if len(res.FailedResources) > 0 {
		f := res.FailedResources[0]
		msg += fmt.Sprintf(": %s (%s): %s", f.LogicalID, f.Type, f.Reason)
	}
	return msg + "; retrying"
}
