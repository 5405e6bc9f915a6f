package controllers_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

const webCompose = `services:
  web:
    image: nginx:1.27
    ports:
      - "80:80"
`

func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ctrl-"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

func newStack(ns, name, compose string) *csv1.ComposeStack {
	return &csv1.ComposeStack{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: csv1.ComposeStackSpec{Compose: csv1.ComposeProject{Files: []csv1.ComposeFile{{
			Name: "compose.yaml", Inline: ptr.To(compose),
		}}}},
	}
}

// create creates obj and, at the end of the test, deletes it and waits until it is gone, so that no test
// leaves a stack for the next to trip over.
func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := env.Client.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteAndWait(t, obj) })
}

// deleteAndWait deletes obj and waits until the API server no longer has it (its finalizer released).
func deleteAndWait(t *testing.T, obj client.Object) {
	t.Helper()
	if err := env.Client.Delete(context.Background(), obj); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	eventually(t, obj.GetName()+" gone", 60*time.Second, func() (bool, string) {
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object))
		return apierrors.IsNotFound(err), "still there"
	})
}

// stalledMessage waits for Stalled with reason and checks that its message holds every one of wants.
func stalledMessage(t *testing.T, obj *csv1.ComposeStack, reason string, wants ...string) *csv1.ComposeStack {
	t.Helper()
	got := waitStack(t, obj, "Stalled with "+reason, stalledWith(reason))
	msg := condition(got, csv1.ConditionStalled).Message
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Fatalf("the Stalled message should contain %q: %q", w, msg)
		}
	}
	return got
}

// eventually polls check until it says true or the timeout passes, and then fails with its last word.
func eventually(t *testing.T, what string, timeout time.Duration, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, msg := check()
		if ok {
			return
		}
		last = msg
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s: %s", what, last)
}

// waitStack polls the object until cond holds.
func waitStack(t *testing.T, obj *csv1.ComposeStack, what string, cond func(*csv1.ComposeStack) bool) *csv1.ComposeStack {
	t.Helper()
	got := &csv1.ComposeStack{}
	eventually(t, what, 60*time.Second, func() (bool, string) {
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), got); err != nil {
			return false, err.Error()
		}
		return cond(got), summary(got)
	})
	return got
}

func summary(o *csv1.ComposeStack) string {
	var b strings.Builder
	b.WriteString("generation " + itoa(o.Generation) + ", observed " + itoa(o.Status.ObservedGeneration) + ", stack " + o.Status.StackStatus)
	for _, c := range o.Status.Conditions {
		b.WriteString("; " + c.Type + "=" + string(c.Status) + " " + c.Reason + ": " + c.Message)
	}
	return b.String()
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func condition(o *csv1.ComposeStack, t string) *metav1.Condition {
	for i := range o.Status.Conditions {
		if o.Status.Conditions[i].Type == t {
			return &o.Status.Conditions[i]
		}
	}
	return nil
}

// readyAt says the object is Ready at its current generation.
func readyAt(o *csv1.ComposeStack) bool {
	c := condition(o, csv1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && o.Status.ObservedGeneration == o.Generation &&
		c.ObservedGeneration == o.Generation
}

func stalledWith(reason string) func(*csv1.ComposeStack) bool {
	return func(o *csv1.ComposeStack) bool {
		c := condition(o, csv1.ConditionStalled)
		return c != nil && c.Status == metav1.ConditionTrue && c.Reason == reason && o.Status.ObservedGeneration == o.Generation
	}
}

// kstatus computes what kubectl, Argo CD and Flux's health checks see.
func kstatus(t *testing.T, o runtime.Object) status.Status {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := status.Compute(&unstructured.Unstructured{Object: m})
	if err != nil {
		t.Fatal(err)
	}
	return res.Status
}

// describeStack returns the stack, or nil when CloudFormation says it does not exist.
func describeStack(t *testing.T, name string) *cftypes.Stack {
	t.Helper()
	out, err := cf.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return nil
		}
		t.Fatal(err)
	}
	if len(out.Stacks) == 0 {
		return nil
	}
	return &out.Stacks[0]
}

func templateOf(t *testing.T, name string) string {
	t.Helper()
	out, err := cf.GetTemplate(context.Background(), &cloudformation.GetTemplateInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TemplateBody)
}

// events lists the Events about obj.
func events(t *testing.T, obj client.Object) []eventsv1.Event {
	t.Helper()
	gvk, err := apiutil.GVKForObject(obj, env.Scheme)
	if err != nil {
		t.Fatal(err)
	}
	var list eventsv1.EventList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(obj.GetNamespace())); err != nil {
		t.Fatal(err)
	}
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == obj.GetName() && e.Regarding.Kind == gvk.Kind {
			out = append(out, e)
		}
	}
	return out
}

func waitEvent(t *testing.T, obj client.Object, eventtype, reason, contains string) {
	t.Helper()
	eventually(t, "event "+reason, 30*time.Second, func() (bool, string) {
		evs := events(t, obj)
		for _, e := range evs {
			if e.Type == eventtype && e.Reason == reason && strings.Contains(e.Note, contains) {
				return true, ""
			}
		}
		var seen []string
		for _, e := range evs {
			seen = append(seen, e.Type+"/"+e.Reason+": "+e.Note)
		}
		return false, strings.Join(seen, " | ")
	})
}

// mutatingCalls counts the calls that change anything in CloudFormation.
func mutatingCalls() int {
	n := 0
	for op, c := range cfn.Calls() {
		switch op {
		case "CreateChangeSet", "ExecuteChangeSet", "DeleteChangeSet", "DeleteStack", "CreateStack",
			"ContinueUpdateRollback", "UpdateTerminationProtection":
			n += c
		}
	}
	return n
}

// update applies mutate to the latest version of obj, retrying on conflicts, and returns the generation
// it made.
func update(t *testing.T, obj *csv1.ComposeStack, mutate func(*csv1.ComposeStack)) int64 {
	t.Helper()
	for i := 0; i < 10; i++ {
		latest := &csv1.ComposeStack{}
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), latest); err != nil {
			t.Fatal(err)
		}
		mutate(latest)
		err := env.Client.Update(context.Background(), latest)
		if err == nil {
			return latest.Generation
		}
		if !apierrors.IsConflict(err) {
			t.Fatal(err)
		}
	}
	t.Fatal(errors.New("update kept conflicting"))
	return 0
}

// stalledSaying is stalledWith, and the message contains text.
func stalledSaying(reason, text string) func(*csv1.ComposeStack) bool {
	return func(o *csv1.ComposeStack) bool {
		c := condition(o, csv1.ConditionStalled)
		return stalledWith(reason)(o) && strings.Contains(c.Message, text)
	}
}
