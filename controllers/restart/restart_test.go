// Package restart_test proves that the controller resumes after a restart: a controller process that dies
// while CloudFormation works on its stack is replaced by a new one (a new manager, reconciler, informer
// cache and AWS client cache, as a new process would have) that picks up where the first left off. No
// second change set, no second execution, no duplicate stack, a status that never goes backwards, and
// Ready in the end.
//
// The local CloudFormation endpoint runs with ManualStep, so the test decides exactly where in the
// operation each restart happens: every resource operation and each phase of computing a change set waits
// for a Step.
package restart_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/controllers/controllertest"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
	"github.com/composestack/composestack/internal/testenv"
)

var (
	env *testenv.Env
	cfn *cfnlocal.Server
	cf  *cloudformation.Client
)

const region = controllertest.Region

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	e, err := controllertest.Start(cfnlocal.Options{Region: region, ManualStep: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = e.Stop() }()
	env, cfn, cf = e.Kube, e.CFN, e.CF
	return m.Run()
}

// createOrder is the order of the statuses a created stack goes through, from none at all.
var createOrder = []string{"", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"}

// updateOrder follows createOrder for a stack that is then updated.
var updateOrder = []string{"UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE"}

const webCompose = `services:
  web:
    image: nginx:1.27
    ports:
      - "80:80"
`

// TestResumeCreateInProgress: the controller dies while CloudFormation creates the stack; its successor
// waits for the creation it started and reports it, making no call that changes anything.
func TestResumeCreateInProgress(t *testing.T) {
	sc := newScenario(t, "create")
	a := startController(t, "A")
	sc.create(t, webCompose)

	// A creates the stack with one CreateStack.
	waitCalls(t, "CreateStack", 1)
	waitFor(t, "stack CREATE_IN_PROGRESS", func() (bool, string) {
		s := describe(t, sc.stackName())
		return s.StackStatus == cftypes.StackStatusCreateInProgress, string(s.StackStatus)
	})
	// Two resources are created while A watches; the rest still wait.
	step(t, 2)
	done, total := resourceProgress(t, sc.stackName())
	if done != 2 || describe(t, sc.stackName()).StackStatus != cftypes.StackStatusCreateInProgress {
		t.Fatalf("before the restart: %d of %d resources created, stack %s; want 2 and CREATE_IN_PROGRESS",
			done, total, describe(t, sc.stackName()).StackStatus)
	}
	before := sc.waitStatus(t, "A reports CREATE_IN_PROGRESS", func(o *csv1.ComposeStack) bool {
		return reconciling(o) && o.Status.StackID != "" && o.Status.StackStatus == "CREATE_IN_PROGRESS"
	})
	stackID := describe(t, sc.stackName()).StackId
	if before.Status.StackID != aws.ToString(stackID) || before.Status.StackName != sc.stackName() {
		t.Fatalf("A recorded stack %q (%q); CloudFormation has %q (%q)",
			before.Status.StackID, before.Status.StackName, aws.ToString(stackID), sc.stackName())
	}
	executed := aws.ToString(describe(t, sc.stackName()).ChangeSetId)
	callsAtStop := cfn.Calls()
	t.Logf("restart with %d of %d resources created; calls so far: %v", done, total, mutating(callsAtStop))

	a.stop(t)
	// CloudFormation goes on while no controller runs.
	step(t, 2)
	if s := describe(t, sc.stackName()); s.StackStatus != cftypes.StackStatusCreateInProgress {
		t.Fatalf("the stack finished while no controller ran (%s); the template has too few resources for this test", s.StackStatus)
	}

	// B looks at the stack while it is still being created, and reports it as A did.
	looks := cfn.Calls()
	startController(t, "B")
	waitLooks(t, looks, 2)
	sc.checkStill(t, before, "CREATE_IN_PROGRESS")
	want := map[string]int{"CreateStack": 1}
	got := sc.stepUntilReady(t, "CREATE_COMPLETE", want)

	sc.checkEnd(t, got, before, executed, callsAtStop, want, nil)
	sc.checkHistory(t, aws.ToString(stackID), "", createOrder)
}

// TestResumeBeforeExecute: the controller dies after creating the change set of an update and before
// executing it; its successor finds that change set still being computed, waits for it, and executes it.
func TestResumeBeforeExecute(t *testing.T) {
	sc := newScenario(t, "pending")
	a := startController(t, "A")
	sc.create(t, webCompose)
	ready := sc.stepUntilReady(t, "CREATE_COMPLETE", map[string]int{"CreateStack": 1})
	sc.update(t, func(o *csv1.ComposeStack) {
		*o.Spec.Compose.Files[0].Inline = strings.Replace(webCompose, "nginx:1.27", "nginx:1.28", 1)
	})

	// The change set stays CREATE_PENDING until stepped, so A cannot execute it: stop A as soon as it
	// called CreateChangeSet, whether or not it got to record anything in the status.
	waitCalls(t, "CreateChangeSet", 1)
	a.stop(t)
	before := sc.get(t)
	callsAtStop := cfn.Calls()
	if callsAtStop["ExecuteChangeSet"] != 0 {
		t.Fatalf("A executed a change set that was never computed: %v", mutating(callsAtStop))
	}
	sums := changeSets(t, sc.stackName())
	if len(sums) != 1 || sums[0].Status != cftypes.ChangeSetStatusCreatePending {
		t.Fatalf("change sets after A: %s", changeSetSummary(sums))
	}
	created := aws.ToString(sums[0].ChangeSetId)
	t.Logf("restart with change set %s %s; A's last status: %s", aws.ToString(sums[0].ChangeSetName), sums[0].Status, summary(before))

	// The change set starts being computed while no controller runs, and B finds it in progress.
	step(t, 1)
	startController(t, "B")
	sc.waitStatus(t, "B reports the change set CREATE_IN_PROGRESS", func(o *csv1.ComposeStack) bool {
		if c := cfn.Calls(); c["CreateChangeSet"] != 1 || c["DeleteChangeSet"] != 0 {
			t.Fatalf("B replaced the change set A left being computed: calls %v, change sets %s, status %s",
				mutating(c), changeSetSummary(changeSets(t, sc.stackName())), summary(o))
		}
		return reconciling(o) && o.Status.ChangeSet != nil && o.Status.ChangeSet.Status == "CREATE_IN_PROGRESS" &&
			o.Status.ChangeSet.ID == created
	})
	want := map[string]int{"CreateStack": 1, "CreateChangeSet": 1, "ExecuteChangeSet": 1}
	got := sc.stepUntilReady(t, "UPDATE_COMPLETE", want)

	sc.checkEnd(t, got, before, created, callsAtStop, want, map[string]int{"ExecuteChangeSet": 1})
	sc.checkHistory(t, got.Status.StackID, ready.Status.LastAppliedDigest, slices.Concat(createOrder, updateOrder))
}

// TestResumeUpdateInProgress: the controller dies while CloudFormation updates the stack to a new image;
// its successor waits for the update and reports it, making no call that changes anything.
func TestResumeUpdateInProgress(t *testing.T) {
	sc := newScenario(t, "update")
	a := startController(t, "A")
	sc.create(t, webCompose)
	ready := sc.stepUntilReady(t, "CREATE_COMPLETE", map[string]int{"CreateStack": 1})
	stackID := ready.Status.StackID
	if d := diff(map[string]int{"CreateStack": 1}, mutating(cfn.Calls())); d != "" {
		t.Fatalf("creating the stack: %s", d)
	}

	gen := sc.update(t, func(o *csv1.ComposeStack) {
		*o.Spec.Compose.Files[0].Inline = strings.Replace(webCompose, "nginx:1.27", "nginx:1.28", 1)
	})
	waitCalls(t, "CreateChangeSet", 1)
	step(t, 2)
	waitCalls(t, "ExecuteChangeSet", 1)
	before := sc.waitStatus(t, "A reports UPDATE_IN_PROGRESS", func(o *csv1.ComposeStack) bool {
		return reconciling(o) && o.Status.StackStatus == "UPDATE_IN_PROGRESS" && o.Status.ObservedGeneration == gen
	})
	if before.Status.LastAttemptedDigest == ready.Status.LastAppliedDigest {
		t.Fatalf("A attempts the digest it had applied before the update: %s", before.Status.LastAttemptedDigest)
	}
	s := describe(t, sc.stackName())
	if s.StackStatus != cftypes.StackStatusUpdateInProgress {
		t.Fatalf("stack %s before the restart, want UPDATE_IN_PROGRESS", s.StackStatus)
	}
	executed := aws.ToString(s.ChangeSetId)
	callsAtStop := cfn.Calls()
	t.Logf("restart during the update; calls so far: %v", mutating(callsAtStop))

	a.stop(t)
	step(t, 1)
	if s := describe(t, sc.stackName()); s.StackStatus != cftypes.StackStatusUpdateInProgress {
		t.Fatalf("the update finished while no controller ran (%s); it should take more steps", s.StackStatus)
	}

	looks := cfn.Calls()
	startController(t, "B")
	waitLooks(t, looks, 2)
	sc.checkStill(t, before, "UPDATE_IN_PROGRESS")
	want := map[string]int{"CreateStack": 1, "CreateChangeSet": 1, "ExecuteChangeSet": 1}
	got := sc.stepUntilReady(t, "UPDATE_COMPLETE", want)

	sc.checkEnd(t, got, before, executed, callsAtStop, want, nil)
	if got.Status.StackID != stackID {
		t.Errorf("stack ID changed over the update: %s, then %s", stackID, got.Status.StackID)
	}
	sc.checkHistory(t, stackID, ready.Status.LastAppliedDigest, slices.Concat(createOrder, updateOrder))
}

// controllerProcess is one controller "process": its own manager (and so its own informer cache and
// event broadcaster), reconciler and AWS client cache, sharing only the API server and CloudFormation.
type controllerProcess struct {
	name   string
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func startController(t *testing.T, name string) *controllerProcess {
	t.Helper()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:  env.Scheme,
		Logger:  ctrl.Log.WithName(name),
		Metrics: metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := controllertest.Reconciler(mgr, cfn.URL(), 50*time.Millisecond, nil)
	// Each process registers the controller under the same name, as every real one does; in one test
	// binary that takes skipping controller-runtime's check for unique names.
	skip := true
	if err := r.SetupWithManager(mgr, controller.Options{MaxConcurrentReconciles: 2, SkipNameValidation: &skip}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &controllerProcess{name: name, cancel: cancel, done: make(chan error, 1)}
	go func() { p.done <- mgr.Start(ctx) }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop ends the process: its context is cancelled (which cancels the reconciles and AWS calls under way,
// as a dying process loses them) and stop returns once the manager's Start has returned.
func (p *controllerProcess) stop(t *testing.T) {
	t.Helper()
	p.once.Do(func() {
		p.cancel()
		if err := <-p.done; err != nil {
			t.Errorf("controller %s stopped with an error: %v", p.name, err)
		}
	})
}

// scenario is one ComposeStack in a namespace of its own, whose every version is recorded.
type scenario struct {
	obj *csv1.ComposeStack

	mu      sync.Mutex
	history []csv1.ComposeStack
	// watching is closed when the watch ends, which before the cleanup means versions may be missing.
	watching chan struct{}
}

// newScenario starts from an empty CloudFormation (so call counts are this test's) and a new namespace.
// At the end, once the test's controllers are stopped, the object is let go without them and
// CloudFormation is emptied again.
func newScenario(t *testing.T, name string) *scenario {
	t.Helper()
	cfn.Reset()
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "restart-"}}
	if err := env.Client.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	sc := &scenario{obj: &csv1.ComposeStack{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns.Name}}}

	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	w, err := wc.Watch(ctx, &csv1.ComposeStackList{}, client.InNamespace(ns.Name))
	if err != nil {
		t.Fatal(err)
	}
	sc.watching = make(chan struct{})
	go func() {
		defer close(sc.watching)
		for ev := range w.ResultChan() {
			o, ok := ev.Object.(*csv1.ComposeStack)
			if !ok || ev.Type == watch.Error || ev.Type == watch.Bookmark {
				continue
			}
			sc.mu.Lock()
			sc.history = append(sc.history, *o.DeepCopy())
			sc.mu.Unlock()
		}
	}()

	// Registered first, so it runs last: after the controllers' own cleanups have stopped them.
	t.Cleanup(func() {
		w.Stop()
		<-sc.watching
		sc.release(t)
		cfn.Reset()
	})
	return sc
}

func (sc *scenario) stackName() string { return sc.obj.StackName() }

func (sc *scenario) create(t *testing.T, compose string) {
	t.Helper()
	sc.obj.Spec = csv1.ComposeStackSpec{Compose: csv1.ComposeProject{Files: []csv1.ComposeFile{{
		Name: "compose.yaml", Inline: &compose,
	}}}}
	if err := env.Client.Create(context.Background(), sc.obj); err != nil {
		t.Fatal(err)
	}
}

// release deletes the object and takes its finalizer off, with no controller running.
func (sc *scenario) release(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if err := env.Client.Delete(ctx, sc.obj); err != nil && !apierrors.IsNotFound(err) {
		t.Error(err)
		return
	}
	for i := 0; i < 20; i++ {
		o := &csv1.ComposeStack{}
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(sc.obj), o)
		if apierrors.IsNotFound(err) {
			return
		}
		if err == nil {
			o.Finalizers = nil
			err = env.Client.Update(ctx, o)
		}
		if err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			t.Error(err)
			return
		}
	}
	t.Error("could not release the ComposeStack")
}

func (sc *scenario) get(t *testing.T) *csv1.ComposeStack {
	t.Helper()
	o := &csv1.ComposeStack{}
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(sc.obj), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func (sc *scenario) update(t *testing.T, mutate func(*csv1.ComposeStack)) int64 {
	t.Helper()
	for i := 0; i < 10; i++ {
		o := sc.get(t)
		mutate(o)
		err := env.Client.Update(context.Background(), o)
		if err == nil {
			return o.Generation
		}
		if !apierrors.IsConflict(err) {
			t.Fatal(err)
		}
	}
	t.Fatal("the update kept conflicting")
	return 0
}

// waitStatus waits, without stepping CloudFormation, until the object satisfies cond.
func (sc *scenario) waitStatus(t *testing.T, what string, cond func(*csv1.ComposeStack) bool) *csv1.ComposeStack {
	t.Helper()
	var got *csv1.ComposeStack
	waitFor(t, what, func() (bool, string) {
		got = sc.get(t)
		return cond(got), summary(got)
	})
	return got
}

// stepUntilReady lets CloudFormation take steps until the object is Ready at its generation with the stack
// in status. It fails at once when a mutating call beyond limit is made.
func (sc *scenario) stepUntilReady(t *testing.T, status string, limit map[string]int) *csv1.ComposeStack {
	t.Helper()
	var got *csv1.ComposeStack
	stepUntil(t, "Ready with "+status, func() (bool, string) {
		got = sc.get(t)
		for op, n := range mutating(cfn.Calls()) {
			if n > limit[op] {
				t.Fatalf("%d %s calls, more than the %d expected in all; status %s, change sets %s",
					n, op, limit[op], summary(got), changeSetSummary(changeSets(t, sc.stackName())))
			}
		}
		return readyAt(got) && got.Status.StackStatus == status, summary(got)
	})
	return got
}

// checkEnd checks the final state against the one before the restart: the same stack, built by the change
// set executed before (or, for a restart before execution, created before) the restart, whose name is the
// digest's; the mutating calls made over the whole test; and no change set or Warning left behind.
func (sc *scenario) checkEnd(t *testing.T, got, before *csv1.ComposeStack, changeSetID string, atStop, wantTotal, wantB map[string]int) {
	t.Helper()
	calls := cfn.Calls()
	byB := map[string]int{}
	for op, n := range mutating(calls) {
		if d := n - atStop[op]; d != 0 {
			byB[op] = d
		}
	}
	t.Logf("final: %s; mutating calls before the restart %v, after %v; all calls %v", summary(got), mutating(atStop), byB, calls)
	if d := diff(wantTotal, mutating(calls)); d != "" {
		t.Errorf("mutating CloudFormation calls over the test: %s (all calls: %v)", d, calls)
	}
	if d := diff(wantB, byB); d != "" {
		t.Errorf("mutating CloudFormation calls after the restart: %s", d)
	}
	all, err := cf.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Stacks) != 1 {
		var names []string
		for _, s := range all.Stacks {
			names = append(names, aws.ToString(s.StackName)+" "+string(s.StackStatus))
		}
		t.Errorf("CloudFormation has %d stacks, want 1: %v", len(all.Stacks), names)
	}
	s := describe(t, sc.stackName())
	if got.Status.StackID != aws.ToString(s.StackId) || got.Status.StackName != sc.stackName() {
		t.Errorf("status names stack %q (%q); CloudFormation has %q (%q)",
			got.Status.StackID, got.Status.StackName, aws.ToString(s.StackId), sc.stackName())
	}
	if before.Status.StackID != "" && before.Status.StackID != got.Status.StackID {
		t.Errorf("stack ID before the restart %s, after %s", before.Status.StackID, got.Status.StackID)
	}
	if string(s.StackStatus) != got.Status.StackStatus {
		t.Errorf("status says %s, CloudFormation %s", got.Status.StackStatus, s.StackStatus)
	}
	if id := aws.ToString(s.ChangeSetId); id != changeSetID {
		t.Errorf("the stack was last changed by change set %s, not by %s, the one from before the restart", id, changeSetID)
	}
	// A stack that was only created (by CreateStack) names no change set.
	if want := stack.ChangeSetName(got.Status.LastAppliedDigest); changeSetID != "" && !strings.Contains(changeSetID, ":changeSet/"+want+"/") {
		t.Errorf("the change set %s is not the one named for the applied digest (%s)", changeSetID, want)
	}
	// The operation A started and B saw through is the one B reports applied.
	if strings.HasSuffix(before.Status.StackStatus, "_IN_PROGRESS") && before.Status.LastAttemptedDigest != got.Status.LastAppliedDigest {
		t.Errorf("A attempted digest %s, B applied %s", before.Status.LastAttemptedDigest, got.Status.LastAppliedDigest)
	}
	if got.Status.LastAppliedDigest != got.Status.LastAttemptedDigest {
		t.Errorf("applied digest %s, attempted %s", got.Status.LastAppliedDigest, got.Status.LastAttemptedDigest)
	}
	if got.Status.ObservedGeneration != got.Generation {
		t.Errorf("observedGeneration %d, generation %d", got.Status.ObservedGeneration, got.Generation)
	}
	if got.Status.Outputs["LoadBalancerDNSName"] == "" {
		t.Errorf("outputs not in status: %v", got.Status.Outputs)
	}
	if sums := changeSets(t, sc.stackName()); len(sums) != 0 {
		t.Errorf("change sets left behind: %s", changeSetSummary(sums))
	}
	var list eventsv1.EventList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(got.Namespace)); err != nil {
		t.Fatal(err)
	}
	for _, e := range list.Items {
		if e.Type == corev1.EventTypeWarning {
			t.Errorf("Warning event %s: %s", e.Reason, e.Note)
		}
	}
}

// checkHistory checks every recorded version of the object: once a stack ID is recorded it never changes or
// disappears; the stack status only moves forward through order; the object is never Stalled, never
// Reconciling for any reason but Progressing, and Ready only with a complete stack; the attempted digest
// only moves forward from oldDigest (the digest applied before the test's update, if any).
func (sc *scenario) checkHistory(t *testing.T, stackID, oldDigest string, order []string) {
	t.Helper()
	sc.mu.Lock()
	hist := append([]csv1.ComposeStack(nil), sc.history...)
	sc.mu.Unlock()
	select {
	case <-sc.watching:
		t.Fatal("the watch on the object ended early: versions may be missing")
	default:
	}
	if len(hist) == 0 {
		t.Fatal("no version of the object was recorded")
	}
	rank := map[string]int{}
	for i, s := range order {
		rank[s] = i
	}
	var lines []string
	last, lastRank, recorded := "", -1, false
	digests := []string{}
	for _, o := range hist {
		st := o.Status
		if line := summary(&o); line != last {
			lines = append(lines, line)
			last = line
		}
		fail := func(format string, args ...any) {
			t.Errorf("version %s (%s): %s", o.ResourceVersion, summary(&o), fmt.Sprintf(format, args...))
		}
		if st.StackID != "" || recorded {
			recorded = true
			if st.StackID != stackID {
				fail("stack ID %q, want %q, once one is recorded", st.StackID, stackID)
			}
		}
		if st.StackName != "" && st.StackName != sc.stackName() {
			fail("stack name %q", st.StackName)
		}
		r, ok := rank[st.StackStatus]
		switch {
		case !ok:
			fail("unexpected stack status %q", st.StackStatus)
		case r < lastRank:
			fail("stack status went back to %q", st.StackStatus)
		default:
			lastRank = r
		}
		if c := meta.FindStatusCondition(st.Conditions, csv1.ConditionStalled); c != nil {
			fail("Stalled")
		}
		if c := meta.FindStatusCondition(st.Conditions, csv1.ConditionReconciling); c != nil && c.Reason != csv1.ReasonProgressing {
			fail("Reconciling for %s: %s", c.Reason, c.Message)
		}
		if c := meta.FindStatusCondition(st.Conditions, csv1.ConditionReady); c != nil && c.Status == metav1.ConditionTrue &&
			!strings.HasSuffix(st.StackStatus, "_COMPLETE") {
			fail("Ready with the stack %s", st.StackStatus)
		}
		if d := st.LastAttemptedDigest; d != "" && d != oldDigest && (len(digests) == 0 || digests[len(digests)-1] != d) {
			digests = append(digests, d)
		}
	}
	if len(digests) != 1 {
		t.Errorf("attempted digests besides %q: %v, want exactly one", oldDigest, digests)
	}
	t.Logf("%d versions of the object, through:\n  %s", len(hist), strings.Join(lines, "\n  "))
}

// waitLooks waits, without stepping CloudFormation, until the stack has been described n more times than
// in since. Called with no other client describing it, this means the controller looked at the stack as it
// is now, and, for n = 2, finished the reconcile that looked first (status patch included).
func waitLooks(t *testing.T, since map[string]int, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d more DescribeStacks calls", n), func() (bool, string) {
		c := cfn.Calls()["DescribeStacks"]
		return c >= since["DescribeStacks"]+n, fmt.Sprintf("%d, from %d", c, since["DescribeStacks"])
	})
}

// checkStill checks that the new controller, having looked at the stack in status, reports what the old
// one did: the same stack, in the same status, at the same generation and digest, still Reconciling.
func (sc *scenario) checkStill(t *testing.T, before *csv1.ComposeStack, status string) {
	t.Helper()
	o := sc.get(t)
	if !reconciling(o) || o.Status.StackStatus != status || o.Status.StackID != before.Status.StackID ||
		o.Status.StackName != before.Status.StackName || o.Status.LastAttemptedDigest != before.Status.LastAttemptedDigest ||
		o.Status.LastAppliedDigest != before.Status.LastAppliedDigest {
		t.Fatalf("after the restart, with the stack %s:\n  before: %s, stack %q, digests %q/%q\n  now:    %s, stack %q, digests %q/%q",
			status, summary(before), before.Status.StackID, before.Status.LastAttemptedDigest, before.Status.LastAppliedDigest,
			summary(o), o.Status.StackID, o.Status.LastAttemptedDigest, o.Status.LastAppliedDigest)
	}
}

// waitCalls waits until op has been called at least n times.
func waitCalls(t *testing.T, op string, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d %s calls", n, op), func() (bool, string) {
		c := cfn.Calls()
		return c[op] >= n, fmt.Sprint(mutating(c))
	})
}

// waitFor polls check, without stepping CloudFormation, until it holds. The time-out only bounds a test
// that is stuck.
func waitFor(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ok, msg := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %s", what, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stepUntil lets waiting CloudFormation operations take steps until check holds.
func stepUntil(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ok, msg := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %s", what, msg)
		}
		// With nothing waiting for a step, Step returns once its short context ends: that is the pause
		// before looking again.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		_ = cfn.Step(ctx)
		cancel()
		settle(t)
	}
}

// step makes n steps, each of which some operation must be waiting for, and waits for their effects.
func step(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := cfn.Step(ctx)
		cancel()
		if err != nil {
			t.Fatalf("step %d of %d: no operation waited for it: %v", i+1, n, err)
		}
		settle(t)
	}
}

func settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := cfn.Settle(ctx); err != nil {
		t.Fatal(err)
	}
}

func describe(t *testing.T, name string) cftypes.Stack {
	t.Helper()
	out, err := cf.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Stacks) != 1 {
		t.Fatalf("%d stacks named %s", len(out.Stacks), name)
	}
	return out.Stacks[0]
}

// resourceProgress counts the stack's resources created so far, and those in its template.
func resourceProgress(t *testing.T, name string) (created, total int) {
	t.Helper()
	ctx := context.Background()
	tpl, err := cf.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Resources map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(aws.ToString(tpl.TemplateBody)), &body); err != nil {
		t.Fatal(err)
	}
	res, err := cf.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.StackResources {
		if r.ResourceStatus == cftypes.ResourceStatusCreateComplete {
			created++
		}
	}
	return created, len(body.Resources)
}

func changeSets(t *testing.T, name string) []cftypes.ChangeSetSummary {
	t.Helper()
	out, err := cf.ListChangeSets(context.Background(), &cloudformation.ListChangeSetsInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Summaries
}

func changeSetSummary(sums []cftypes.ChangeSetSummary) string {
	var parts []string
	for _, s := range sums {
		parts = append(parts, fmt.Sprintf("%s %s/%s", aws.ToString(s.ChangeSetName), s.Status, s.ExecutionStatus))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// mutating keeps the calls that change anything in CloudFormation (or S3).
func mutating(calls map[string]int) map[string]int {
	out := map[string]int{}
	for op, n := range calls {
		switch op {
		case "CreateChangeSet", "ExecuteChangeSet", "DeleteChangeSet", "CreateStack", "DeleteStack",
			"ContinueUpdateRollback", "UpdateTerminationProtection", "s3:PutObject", "s3:CreateBucket":
			out[op] = n
		}
	}
	return out
}

// diff describes how got differs from want, or is "".
func diff(want, got map[string]int) string {
	var d []string
	for op, n := range want {
		if got[op] != n {
			d = append(d, fmt.Sprintf("%s %d, want %d", op, got[op], n))
		}
	}
	for op, n := range got {
		if _, ok := want[op]; !ok {
			d = append(d, fmt.Sprintf("%s %d, want 0", op, n))
		}
	}
	return strings.Join(d, "; ")
}

func reconciling(o *csv1.ComposeStack) bool {
	c := meta.FindStatusCondition(o.Status.Conditions, csv1.ConditionReconciling)
	return c != nil && c.Status == metav1.ConditionTrue && o.Status.ObservedGeneration == o.Generation
}

func readyAt(o *csv1.ComposeStack) bool {
	c := meta.FindStatusCondition(o.Status.Conditions, csv1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == o.Generation &&
		o.Status.ObservedGeneration == o.Generation
}

func summary(o *csv1.ComposeStack) string {
	var b strings.Builder
	fmt.Fprintf(&b, "gen %d/%d, stack %q", o.Status.ObservedGeneration, o.Generation, o.Status.StackStatus)
	if cs := o.Status.ChangeSet; cs != nil {
		fmt.Fprintf(&b, ", change set %s/%s", cs.Status, cs.ExecutionStatus)
	}
	for _, c := range o.Status.Conditions {
		fmt.Fprintf(&b, "; %s=%s %s", c.Type, c.Status, c.Reason)
	}
	return b.String()
}
