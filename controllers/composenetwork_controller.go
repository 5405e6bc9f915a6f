package controllers

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/awsclient"
	"github.com/composestack/composestack/internal/network"
	"github.com/composestack/composestack/internal/stack"
)

// ComposeNetworkReconciler converges a ComposeNetwork's CloudFormation stack to its spec, with the same driver,
// conditions and deletion policy as ComposeStacks, and keeps it while ComposeStacks refer to it.
type ComposeNetworkReconciler struct {
	client.Client
	// Recorder records Kubernetes Events on transitions.
	Recorder events.EventRecorder
	// Stacks gives the AWS side for a region and role.
	Stacks StackClients
	// DefaultRegion is used for stacks that name none.
	DefaultRegion string
	// AllowedRoleARNs are the roles that spec.stack.roleARN may name; a trailing `*` matches any suffix.
	AllowedRoleARNs []string
}

// SetupWithManager registers the reconciler and its watch on the ComposeStacks that refer to networks. Without
// an opts.ReconciliationTimeout, each reconcile gets ReconcileTimeout.
func (r *ComposeNetworkReconciler) SetupWithManager(mgr ctrl.Manager, opts controller.Options) error {
	if opts.ReconciliationTimeout == 0 {
		opts.ReconciliationTimeout = ReconcileTimeout
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&csv1.ComposeNetwork{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		// A stack that starts or stops referring to a network, or goes, changes the network's status.usedBy;
		// on an update the map is called with the old object and the new one, so the network left behind is
		// looked at too.
		Watches(&csv1.ComposeStack{}, handler.EnqueueRequestsFromMapFunc(referencedNetwork),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
				// A stack's status changes often while it deploys; only a change of reference matters here.
				return networkRefName(e.ObjectOld.(*csv1.ComposeStack)) != networkRefName(e.ObjectNew.(*csv1.ComposeStack))
			}})).
		WithOptions(opts).
		Named("composenetwork").
		Complete(r)
}

// referencedNetwork maps a ComposeStack to the ComposeNetwork it refers to.
func referencedNetwork(_ context.Context, o client.Object) []ctrl.Request {
	name := networkRefName(o.(*csv1.ComposeStack))
	if name == "" {
		return nil
	}
	return []ctrl.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: name}}}
}

// Reconcile fetches the network once, works on it, and patches its status once, on the way out.
func (r *ComposeNetworkReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	ctx = awsclient.WithTenant(ctx, req.Namespace)
	obj := &csv1.ComposeNetwork{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	base := obj.DeepCopy()
	var done step
	defer func() {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusPatchTimeout)
		defer cancel()
		if err := r.patchStatus(pctx, base, obj); err != nil {
			if errors.Is(retErr, reconcile.TerminalError(nil)) {
				retErr = errors.Unwrap(retErr)
			}
			retErr = kerrors.NewAggregate([]error{retErr, err})
			result = ctrl.Result{}
		}
		logReconcile(ctx, obj, obj.Status.StackStatus, done, result, retErr)
	}()

	users, err := r.users(ctx, obj)
	if err != nil {
		return ctrl.Result{}, err
	}
	setUsers(obj, users)
	if obj.DeletionTimestamp.IsZero() {
		done, err = r.reconcileNormal(ctx, obj)
	} else {
		done, err = r.reconcileDelete(ctx, obj, users)
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: done.requeue}, nil
}

// patchStatus writes the status if it changed; the controller is its only writer.
func (r *ComposeNetworkReconciler) patchStatus(ctx context.Context, base, obj *csv1.ComposeNetwork) error {
	// Bounded as a ComposeStack's status is (boundStatus).
	st := &obj.Status
	for i := range st.Conditions {
		st.Conditions[i].Message = clip(st.Conditions[i].Message)
	}
	if len(st.FailedResources) > maxStatusFailedResources {
		st.FailedResources = st.FailedResources[:maxStatusFailedResources]
	}
	for i := range st.FailedResources {
		st.FailedResources[i].Reason = clip(st.FailedResources[i].Reason)
	}
	if equalNetworkStatus(&base.Status, &obj.Status) {
		return nil
	}
	return patchStatus(ctx, r.Client, base, obj)
}

// reconcileNormal renders the network and takes its stack one step toward it. The finalizer is persisted before
// any AWS call.
func (r *ComposeNetworkReconciler) reconcileNormal(ctx context.Context, obj *csv1.ComposeNetwork) (step, error) {
	if err := addFinalizer(ctx, r.Client, obj); err != nil {
		return step{action: stack.ActionNone}, err
	}
	obj.Status.StackName = obj.StackName()
	want, err := r.desired(obj)
	if err != nil {
		return r.fail(obj, err)
	}
	sc, err := r.stackClient(ctx, obj)
	if err != nil {
		return r.fail(obj, err)
	}
	if obj.Spec.Suspend {
		setSuspended(obj, obj.Status.LastAppliedDigest, &want)
		return step{action: stack.ActionNone}, nil
	}
	res, err := sc.Sync(ctx, want)
	if err != nil {
		return r.fail(obj, err)
	}
	return r.apply(obj, res, want.ResyncInterval), nil
}

// desired is the network stack to converge to: a pure function of the spec and the stack's name and region.
func (r *ComposeNetworkReconciler) desired(obj *csv1.ComposeNetwork) (stack.Desired, error) {
	body, err := network.Render(network.InputFor(obj.Spec, obj.StackName(), r.region(obj)))
	if err != nil {
		return stack.Desired{}, stalled(csv1.ReasonInvalidNetwork, "%v", err)
	}
	return stack.Desired{
		StackName:         obj.StackName(),
		TemplateBody:      body,
		Tags:              obj.Spec.Stack.Tags,
		Owner:             ownerOf(obj),
		ResyncInterval:    obj.Interval(),
		LastAppliedDigest: obj.Status.LastAppliedDigest,
		LastStackStatus:   obj.Status.StackStatus,
	}, nil
}

func (r *ComposeNetworkReconciler) region(obj *csv1.ComposeNetwork) string {
	if obj.Spec.Stack.Region != "" {
		return obj.Spec.Stack.Region
	}
	return r.DefaultRegion
}

func (r *ComposeNetworkReconciler) stackClient(ctx context.Context, obj *csv1.ComposeNetwork) (StackClient, error) {
	return stackClientFor(ctx, r.Stacks, r.DefaultRegion, r.AllowedRoleARNs, obj.Spec.Stack.Region, obj.Spec.Stack.RoleARN)
}

func (r *ComposeNetworkReconciler) fail(obj *csv1.ComposeNetwork, err error) (step, error) {
	return failure(r.Recorder, obj, obj.Interval(), err)
}

// reconcileDelete keeps the network while ComposeStacks refer to it, then deletes its stack (policy Delete) or
// leaves it (Retain), and only then lets the object go.
func (r *ComposeNetworkReconciler) reconcileDelete(ctx context.Context, obj *csv1.ComposeNetwork, users []string) (step, error) {
	if !controllerutil.ContainsFinalizer(obj, csv1.Finalizer) {
		return step{action: stack.ActionNone}, nil
	}
	if len(users) > 0 {
		// Their stacks import the network's exports, and CloudFormation would refuse to delete it anyway; the
		// watch on ComposeStacks brings the network back when the last of them goes.
		msg := fmt.Sprintf("not deleted while in use by %s; delete them or point their spec.network elsewhere", usersPhrase(users))
		recordTransition(r.Recorder, obj, csv1.ReasonNetworkInUse, msg)
		setConditions(obj, phaseStalled, metav1.ConditionFalse, csv1.ReasonNetworkInUse, msg)
		return step{action: stack.ActionNone}, nil
	}
	if obj.DeletionPolicy() == csv1.DeletionPolicyDelete && obj.Status.StackName != "" {
		sc, err := r.stackClient(ctx, obj)
		if _, isStalled := asStalled(err); isStalled && obj.Status.StackID == "" {
			return r.removeFinalizer(ctx, obj)
		}
		if err != nil {
			return r.fail(obj, err)
		}
		res, err := sc.Delete(ctx, obj.Status.StackName, ownerOf(obj))
		var t *stack.TerminalError
		if errors.As(err, &t) && t.Reason == csv1.ReasonOwnershipConflict {
			recordEvent(r.Recorder, obj, csv1.ReasonOwnershipConflict, "Delete",
				fmt.Sprintf("left stack %s in place: %s", obj.Status.StackName, t.Error()))
			return r.removeFinalizer(ctx, obj)
		}
		if err != nil {
			return r.fail(obj, err)
		}
		obj.Status.StackStatus = res.StackStatus
		obj.Status.FailedResources = failedResources(res.FailedResources)
		mirrorProgress(r.Recorder, obj, &obj.Status.Progress, &obj.Status.StackEvents, res.Progress)
		if res.Phase != stack.PhaseDeleted {
			reason, msg, p := csv1.ReasonDeleting, "deleting stack "+obj.Status.StackName, phaseProgressing
			if res.Phase == stack.PhaseFailed {
				reason, msg, p = csv1.ReasonDeleteFailed, deleteFailedMessage(obj.Status.StackName, res), phaseRetrying
			}
			recordTransition(r.Recorder, obj, reason, msg)
			if res.Progress != nil {
				msg = withProgress(msg, obj.Status.Progress)
			}
			setConditions(obj, p, metav1.ConditionFalse, reason, msg)
			return step{action: res.Action, requeue: res.RequeueAfter}, nil
		}
		recordEvent(r.Recorder, obj, csv1.ReasonDeleted, "Delete", "deleted stack "+obj.Status.StackName)
	} else if obj.Status.StackName != "" {
		recordEvent(r.Recorder, obj, csv1.ReasonRetained, "Delete",
			fmt.Sprintf("left stack %s in place (spec.stack.deletionPolicy is Retain)", obj.Status.StackName))
	}
	return r.removeFinalizer(ctx, obj)
}

func (r *ComposeNetworkReconciler) removeFinalizer(ctx context.Context, obj *csv1.ComposeNetwork) (step, error) {
	if err := removeFinalizer(ctx, r.Client, obj); err != nil {
		return step{action: stack.ActionNone}, err
	}
	return step{action: actionRemoveFinalizer}, nil
}
