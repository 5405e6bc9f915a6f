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
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
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
	// Now is the clock, for time-to-Ready; time.Now when nil.
	Now func() time.Time

	tracker *tracker
}

// SetupWithManager registers the reconciler, its index and its watches.
func (r *ComposeStackReconciler) SetupWithManager(mgr ctrl.Manager, opts controller.Options) error {
	r.tracker = newTracker()
	if r.Now == nil {
		r.Now = time.Now
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &csv1.ComposeStack{}, refIndex,
		func(o client.Object) []string { return references(o.(*csv1.ComposeStack)) }); err != nil {
		return fmt.Errorf("indexing ComposeStack references: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&csv1.ComposeStack{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.referencing(refConfigMap))).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.referencing(refSecret))).
		WithOptions(opts).
		Named("composestack").
		Complete(r)
}

// referencing maps a ConfigMap or Secret to the ComposeStacks in its namespace that read it.
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

// Reconcile fetches the object once, works on it, and patches its status once, on the way out.
func (r *ComposeStackReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	obj := &csv1.ComposeStack{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			r.tracker.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	base := obj.DeepCopy()
	defer func() {
		if err := r.patchStatus(ctx, base, obj); err != nil {
			retErr = kerrors.NewAggregate([]error{retErr, err})
		}
	}()

	if !obj.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, obj)
	}
	// The finalizer is persisted before any AWS call, so no stack can exist that the controller forgot.
	if !controllerutil.ContainsFinalizer(obj, csv1.Finalizer) {
		patch := client.MergeFrom(obj.DeepCopy())
		controllerutil.AddFinalizer(obj, csv1.Finalizer)
		if err := r.Patch(ctx, obj, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("adding finalizer: %w", err)
		}
	}
	return r.reconcileNormal(ctx, obj)
}

// patchStatus writes the status if it changed. A merge patch without optimistic locking: the controller is
// the status's only writer.
func (r *ComposeStackReconciler) patchStatus(ctx context.Context, base, obj *csv1.ComposeStack) error {
	r.tracker.observe(obj, r.Now())
	if equalStatus(&base.Status, &obj.Status) {
		return nil
	}
	err := r.Status().Patch(ctx, obj, client.MergeFrom(base))
	if apierrors.IsNotFound(err) {
		return nil // deleted while we worked: nothing left to report on
	}
	if err != nil {
		return fmt.Errorf("patching status: %w", err)
	}
	return nil
}

// reconcileNormal renders the project and takes the stack one step toward it.
func (r *ComposeStackReconciler) reconcileNormal(ctx context.Context, obj *csv1.ComposeStack) (ctrl.Result, error) {
	obj.Status.StackName = obj.StackName()
	desired, sc, err := r.desired(ctx, obj)
	if err != nil {
		return r.fail(obj, err)
	}
	if obj.Spec.Suspend {
		r.suspended(obj, desired)
		return ctrl.Result{}, nil
	}
	res, err := sc.Sync(ctx, *desired)
	if err != nil {
		return r.fail(obj, err)
	}
	return r.apply(obj, res, desired), nil
}

// fail reports an error: Stalled when the user must act, otherwise Reconciling with the error, returned so that
// controller-runtime backs off. A stall caused by the spec or its inputs waits for them to change (they are
// watched); one caused by the AWS account (a VPC or load balancer that does not exist, a stack someone else
// owns) can be fixed outside the cluster, so it is looked at again every spec.interval.
func (r *ComposeStackReconciler) fail(obj *csv1.ComposeStack, err error) (ctrl.Result, error) {
	if s, ok := asStalled(err); ok {
		r.transition(obj, corev1.EventTypeWarning, s.reason, s.message)
		setConditions(obj, phaseStalled, metav1.ConditionFalse, s.reason, s.message)
		return ctrl.Result{}, nil
	}
	var t *stack.TerminalError
	if errors.As(err, &t) {
		r.transition(obj, corev1.EventTypeWarning, t.Reason, t.Error())
		setConditions(obj, phaseStalled, metav1.ConditionFalse, t.Reason, t.Error())
		return ctrl.Result{RequeueAfter: obj.Interval()}, nil
	}
	setConditions(obj, phaseRetrying, metav1.ConditionFalse, csv1.ReasonAWSError, err.Error())
	return ctrl.Result{}, err
}

// suspended reports a suspended stack without touching it: Ready says whether the stack last matched this
// spec.
func (r *ComposeStackReconciler) suspended(obj *csv1.ComposeStack, desired *stack.Desired) {
	if obj.Status.LastAppliedDigest != "" && obj.Status.LastAppliedDigest == stack.Digest(*desired) {
		setConditions(obj, phaseSuspended, metav1.ConditionTrue, csv1.ReasonSuspended,
			"reconciliation is suspended; the stack matched this spec when last checked")
	} else {
		setConditions(obj, phaseSuspended, metav1.ConditionFalse, csv1.ReasonSuspended,
			"reconciliation is suspended; changes are applied once spec.suspend is false")
	}
}

// reconcileDelete deletes the stack (policy Delete) or leaves it (Retain), and only then lets the object go.
func (r *ComposeStackReconciler) reconcileDelete(ctx context.Context, obj *csv1.ComposeStack) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(obj, csv1.Finalizer) {
		return ctrl.Result{}, nil
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
			r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, csv1.ReasonOwnershipConflict, "Delete",
				"left stack %s in place: %s", obj.Status.StackName, t.Error())
			return r.removeFinalizer(ctx, obj)
		}
		if err != nil {
			return r.fail(obj, err)
		}
		obj.Status.StackStatus = res.StackStatus
		obj.Status.StackStatusReason = res.StackStatusReason
		obj.Status.FailedResources = failedResources(res.FailedResources)
		if res.Phase != stack.PhaseDeleted {
			reason, msg := csv1.ReasonDeleting, "deleting stack "+obj.Status.StackName
			p := phaseProgressing
			if res.Phase == stack.PhaseFailed {
				reason, msg, p = csv1.ReasonDeleteFailed, deleteFailedMessage(obj.Status.StackName, res), phaseRetrying
			}
			r.transition(obj, eventType(reason), reason, msg)
			setConditions(obj, p, metav1.ConditionFalse, reason, msg)
			return ctrl.Result{RequeueAfter: res.RequeueAfter}, nil
		}
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Deleted", "Delete", "deleted stack %s", obj.Status.StackName)
	} else if obj.Status.StackName != "" {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Retained", "Delete",
			"left stack %s in place (spec.stack.deletionPolicy is Retain)", obj.Status.StackName)
	}
	return r.removeFinalizer(ctx, obj)
}

// removeFinalizer lets the object go.
func (r *ComposeStackReconciler) removeFinalizer(ctx context.Context, obj *csv1.ComposeStack) (ctrl.Result, error) {
	patch := client.MergeFrom(obj.DeepCopy())
	controllerutil.RemoveFinalizer(obj, csv1.Finalizer)
	if err := r.Patch(ctx, obj, patch); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("removing finalizer: %w", err)
	}
	r.tracker.forget(client.ObjectKeyFromObject(obj))
	return ctrl.Result{}, nil
}

func deleteFailedMessage(name string, res stack.Result) string {
	msg := "CloudFormation could not delete stack " + name
	if len(res.FailedResources) > 0 {
		f := res.FailedResources[0]
		msg += fmt.Sprintf(": %s (%s): %s", f.LogicalID, f.Type, f.Reason)
	}
	return msg + "; retrying"
}

// roleAllowed says whether the controller may assume role for a stack.
func (r *ComposeStackReconciler) roleAllowed(role string) bool {
	return slices.ContainsFunc(r.AllowedRoleARNs, func(p string) bool {
		if n := len(p); n > 0 && p[n-1] == '*' {
			return len(role) >= n-1 && role[:n-1] == p[:n-1]
		}
		return p == role
	})
}
