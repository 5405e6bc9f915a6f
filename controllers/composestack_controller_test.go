package controllers_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/cfnlocal"
)

func TestCreateUpdateDelete(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "web", webCompose)
	create(t, obj)

	// While CloudFormation works, the object says so: Reconciling, kstatus InProgress, Argo CD Progressing.
	got := waitStack(t, obj, "Reconciling", func(o *csv1.ComposeStack) bool {
		c := condition(o, csv1.ConditionReconciling)
		return c != nil && c.Status == metav1.ConditionTrue
	})
	if s := kstatus(t, got); s != status.InProgressStatus {
		t.Fatalf("kstatus %s while converging, want InProgress", s)
	}
	if h := argoHealth(t, got); h != "Progressing" {
		t.Fatalf("Argo CD health %s while converging, want Progressing", h)
	}

	got = waitStack(t, obj, "Ready", readyAt)
	if got.Status.StackStatus != "CREATE_COMPLETE" || got.Status.StackName != csv1.DefaultStackName(ns, "web") || got.Status.StackID == "" {
		t.Fatalf("status after create: %s, name %q, id %q", got.Status.StackStatus, got.Status.StackName, got.Status.StackID)
	}
	if got.Status.Outputs["LoadBalancerDNSName"] == "" || got.Status.Outputs["Cluster"] == "" {
		t.Fatalf("outputs not copied into status: %v", got.Status.Outputs)
	}
	if got.Status.Endpoints == nil || got.Status.Endpoints.LoadBalancerDNSName != got.Status.Outputs["LoadBalancerDNSName"] ||
		len(got.Status.Endpoints.Listeners) != 1 || got.Status.Endpoints.Listeners[0].Port != 80 {
		t.Fatalf("endpoints: %+v", got.Status.Endpoints)
	}
	if got.Status.LastAppliedDigest == "" || got.Status.LastAppliedDigest != got.Status.LastAttemptedDigest {
		t.Fatalf("digests: applied %q attempted %q", got.Status.LastAppliedDigest, got.Status.LastAttemptedDigest)
	}
	if condition(got, csv1.ConditionReconciling) != nil || condition(got, csv1.ConditionStalled) != nil {
		t.Fatalf("Reconciling/Stalled left behind: %s", summary(got))
	}
	if s := kstatus(t, got); s != status.CurrentStatus {
		t.Fatalf("kstatus %s, want Current", s)
	}
	if h := argoHealth(t, got); h != "Healthy" {
		t.Fatalf("Argo CD health %s, want Healthy", h)
	}
	if !controllerHasFinalizer(got) {
		t.Fatal("no finalizer on a ComposeStack with a stack")
	}
	waitEvent(t, obj, corev1.EventTypeNormal, csv1.ReasonSucceeded, "CREATE_COMPLETE")

	// kubectl wait, as a user or a pipeline would.
	kubeconfig, err := env.Kubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if out, err := env.Kubectl(kubeconfig, "wait", "-n", ns, "--for=condition=Ready", "composestack/web", "--timeout=20s"); err != nil {
		t.Fatalf("kubectl wait: %v\n%s", err, out)
	}

	// An unchanged spec makes no mutating call, however often it is reconciled.
	before := mutatingCalls()
	update(t, obj, func(o *csv1.ComposeStack) { o.Annotations = map[string]string{"poke": "1"} })
	time.Sleep(time.Second)
	if after := mutatingCalls(); after != before {
		t.Fatalf("a reconcile of an unchanged spec made %d mutating calls", after-before)
	}

	// A compose change rolls through as an update, Ready at the new generation.
	gen := update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Compose.Images = map[string]string{"web": "nginx:1.28"} })
	got = waitStack(t, obj, "Ready after update", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && o.Generation == gen && o.Status.StackStatus == "UPDATE_COMPLETE"
	})
	if !strings.Contains(templateOf(t, got.Status.StackName), "nginx:1.28") {
		t.Fatal("the stack's template does not have the new image")
	}
	if s := kstatus(t, got); s != status.CurrentStatus {
		t.Fatalf("kstatus %s after update, want Current", s)
	}

	// Delete (the default policy) deletes the stack before the object goes.
	deleteAndWait(t, got)
	if s := describeStack(t, got.Status.StackName); s != nil {
		t.Fatalf("stack still exists after delete: %s", s.StackStatus)
	}
}

// Every blocking problem is in the Stalled message at once, each with its service and field; a host directory names
// the spec.compose.efsBindMounts opt-in.
func TestStalledMessageListsEveryProblem(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "problems", "services:\n  api:\n    build: ./api\n  media:\n    image: jellyfin/jellyfin\n    volumes:\n      - /srv/media:/media\n")
	obj.Spec.Compose.Images = map[string]string{"api": "example/api:1"}
	create(t, obj)
	stalledMessage(t, obj, csv1.ReasonInvalidCompose, "services.media.volumes[0]", "efsBindMounts")

	obj = newStack(ns, "problems2", "services:\n  api:\n    image: example/api:1\n    deploy: {mode: global}\n  media:\n    image: jellyfin/jellyfin\n    volumes:\n      - /srv/media:/media\n      - /lib/modules:/lib/modules\n")
	create(t, obj)
	stalledMessage(t, obj, csv1.ReasonInvalidCompose, "3 problems", "services.api.deploy.mode", "services.media.volumes[0]", "services.media.volumes[1]", "kernel modules")
}

func controllerHasFinalizer(o *csv1.ComposeStack) bool {
	for _, f := range o.Finalizers {
		if f == csv1.Finalizer {
			return true
		}
	}
	return false
}

func TestInvalidComposeStallsWithoutAWSCalls(t *testing.T) {
	ns := newNamespace(t)
	before := cfn.Calls()
	obj := newStack(ns, "broken", "services:\n  api:\n    build: ./api\n")
	create(t, obj)
	got := stalledMessage(t, obj, csv1.ReasonInvalidCompose, "api", "spec.compose.images")
	if r := condition(got, csv1.ConditionReady); r == nil || r.Status != metav1.ConditionFalse {
		t.Fatalf("Ready should be False: %s", summary(got))
	}
	if s := kstatus(t, got); s != status.FailedStatus {
		t.Fatalf("kstatus %s, want Failed", s)
	}
	if h := argoHealth(t, got); h != "Degraded" {
		t.Fatalf("Argo CD health %s, want Degraded", h)
	}
	waitEvent(t, obj, corev1.EventTypeWarning, csv1.ReasonInvalidCompose, "api")
	after := cfn.Calls()
	for _, op := range []string{"CreateStack", "CreateChangeSet", "ExecuteChangeSet", "DeleteStack"} {
		if after[op] != before[op] {
			t.Errorf("%s was called for an invalid project", op)
		}
	}

	// Fixing the spec recovers.
	update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Compose.Images = map[string]string{"api": "nginx:1.27"} })
	got = waitStack(t, obj, "Ready after fix", readyAt)
	if condition(got, csv1.ConditionStalled) != nil {
		t.Fatalf("Stalled left behind: %s", summary(got))
	}
}

func TestBrokenOverlayStalls(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "overlay", webCompose)
	obj.Spec.Stack.Overlays = []csv1.Overlay{{Inline: ptr.To("WebService: {}")}}
	create(t, obj)
	stalledMessage(t, obj, csv1.ReasonInvalidOverlay, "spec.stack.overlays[0]")
}

func TestReferencedObjectsAndSecrets(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	compose := `services:
  web:
    image: ${IMAGE}
    ports: ["80:80"]
    env_file: [./app.env, ./.secret/key.env]
`
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "web-compose", Namespace: ns}, Data: map[string]string{
		"compose.yaml": compose, "app.env": "LOG_LEVEL=info\r\nspring.profiles.active=ecs\r\n",
	}}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "web-key", Namespace: ns}, StringData: map[string]string{
		"key.env": "ENCRYPT_KEY=s3cr3t-value-1",
	}}
	obj := &csv1.ComposeStack{ObjectMeta: metav1.ObjectMeta{Name: "refs", Namespace: ns}, Spec: csv1.ComposeStackSpec{
		Compose: csv1.ComposeProject{
			Files: []csv1.ComposeFile{{Name: "compose.yaml", ConfigMapKeyRef: &csv1.KeyReference{Name: "web-compose", Key: "compose.yaml"}}},
			SupportingFiles: []csv1.SupportingFile{
				{Path: "app.env", ConfigMapKeyRef: &csv1.KeyReference{Name: "web-compose", Key: "app.env"}},
				{Path: ".secret/key.env", SecretKeyRef: &csv1.KeyReference{Name: "web-key", Key: "key.env"}},
			},
			Variables: []csv1.Variable{{Name: "IMAGE", ConfigMapKeyRef: &csv1.KeyReference{Name: "web-compose", Key: "image"}}},
		},
	}}
	// The ComposeStack comes first: it waits, Stalled, for what it references.
	create(t, obj)
	got := waitStack(t, obj, "Stalled on the missing ConfigMap", stalledWith(csv1.ReasonReferenceNotFound))
	if msg := condition(got, csv1.ConditionStalled).Message; !strings.Contains(msg, `ConfigMap "web-compose" not found`) ||
		!strings.Contains(msg, "spec.compose.files[0]") {
		t.Fatalf("message: %q", msg)
	}
	if err := env.Client.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}
	waitStack(t, obj, "Stalled on the missing key", stalledSaying(csv1.ReasonReferenceNotFound, `ConfigMap "web-compose" has no key "image"`))
	cm.Data["image"] = "nginx:1.27"
	if err := env.Client.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	got = waitStack(t, obj, "Ready", readyAt)
	first := got.Status.LastAppliedDigest
	assertSecretHidden(t, got, "s3cr3t-value-1")

	// A change to the ConfigMap updates the stack, at the same generation.
	cm.Data["image"] = "nginx:1.28"
	if err := env.Client.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	got = waitStack(t, obj, "updated from the ConfigMap", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && o.Status.LastAppliedDigest != first && o.Status.StackStatus == "UPDATE_COMPLETE"
	})
	second := got.Status.LastAppliedDigest
	if !strings.Contains(templateOf(t, got.Status.StackName), "nginx:1.28") {
		t.Fatal("the template does not have the image from the ConfigMap")
	}

	// A change to the Secret updates it too, and the new value stays hidden as well.
	secret.StringData = map[string]string{"key.env": "ENCRYPT_KEY=s3cr3t-value-2"}
	if err := env.Client.Update(ctx, secret); err != nil {
		t.Fatal(err)
	}
	got = waitStack(t, obj, "updated from the Secret", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && o.Status.LastAppliedDigest != second
	})
	assertSecretHidden(t, got, "s3cr3t-value-2")
}

// assertSecretHidden checks that a Secret's value reached neither the template, the status nor an Event.
func assertSecretHidden(t *testing.T, o *csv1.ComposeStack, value string) {
	t.Helper()
	if strings.Contains(templateOf(t, o.Status.StackName), value) {
		t.Fatal("a Secret's value is in the template body")
	}
	if strings.Contains(summary(o)+strings.Join(o.Status.Warnings, " "), value) {
		t.Fatal("a Secret's value is in the status")
	}
	for _, s := range []*cftypes.Stack{describeStack(t, o.Status.StackName)} {
		for _, p := range s.Parameters {
			if strings.Contains(aws.ToString(p.ParameterValue), value) {
				t.Fatalf("a Secret's value shows in stack parameter %s", aws.ToString(p.ParameterKey))
			}
		}
	}
	for _, e := range events(t, o) {
		if strings.Contains(e.Note, value) {
			t.Fatal("a Secret's value is in an Event")
		}
	}
}

func TestSuspend(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "paused", webCompose)
	create(t, obj)
	waitStack(t, obj, "Ready", readyAt)

	before := mutatingCalls()
	update(t, obj, func(o *csv1.ComposeStack) {
		o.Spec.Suspend = true
		o.Spec.Compose.Images = map[string]string{"web": "nginx:1.28"}
	})
	got := waitStack(t, obj, "Suspended", func(o *csv1.ComposeStack) bool {
		c := condition(o, csv1.ConditionReady)
		return c != nil && c.Reason == csv1.ReasonSuspended && o.Status.ObservedGeneration == o.Generation
	})
	if c := condition(got, csv1.ConditionReady); c.Status != metav1.ConditionFalse {
		t.Fatalf("Ready should be False while a changed spec is suspended: %s", summary(got))
	}
	if h := argoHealth(t, got); h != "Suspended" {
		t.Fatalf("Argo CD health %s, want Suspended", h)
	}
	time.Sleep(time.Second)
	if after := mutatingCalls(); after != before {
		t.Fatalf("a suspended stack got %d mutating calls", after-before)
	}
	if strings.Contains(templateOf(t, got.Status.StackName), "nginx:1.28") {
		t.Fatal("a suspended stack was updated")
	}
	update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Suspend = false })
	waitStack(t, obj, "Ready after resume", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && o.Status.StackStatus == "UPDATE_COMPLETE"
	})
}

func TestRetainLeavesTheStack(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "kept", webCompose)
	obj.Spec.Stack.DeletionPolicy = csv1.DeletionPolicyRetain
	create(t, obj)
	got := waitStack(t, obj, "Ready", readyAt)
	deleteAndWait(t, got)
	s := describeStack(t, got.Status.StackName)
	if s == nil || s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("the retained stack should still be there: %+v", s)
	}
	waitEvent(t, got, corev1.EventTypeNormal, "Retained", got.Status.StackName)
	_, _ = cf.DeleteStack(context.Background(), &cloudformation.DeleteStackInput{StackName: s.StackId})
}

func TestOutOfBandDeletionIsRecreated(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "drift", webCompose)
	obj.Spec.Interval = &metav1.Duration{Duration: 30 * time.Second}
	create(t, obj)
	got := waitStack(t, obj, "Ready", readyAt)
	oldID := got.Status.StackID
	if _, err := cf.DeleteStack(context.Background(), &cloudformation.DeleteStackInput{StackName: aws.String(got.Status.StackName)}); err != nil {
		t.Fatal(err)
	}
	// The resync interval brings it back with no change to the object.
	got = &csv1.ComposeStack{}
	eventually(t, "recreated", 90*time.Second, func() (bool, string) {
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), got); err != nil {
			return false, err.Error()
		}
		s := describeStack(t, got.Status.StackName)
		return s != nil && aws.ToString(s.StackId) != oldID && readyAt(got) && got.Status.StackID != oldID, summary(got)
	})
}

func TestFailedCreateReportsRootCause(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "doomed", webCompose)
	if err := cfn.AddResourceFault(cfnlocal.ResourceFault{
		StackName: csv1.DefaultStackName(ns, "doomed"), LogicalResourceID: "WebService", Operation: "CREATE",
		Reason: "Resource handler returned message: \"Invalid request provided: CannotPullContainerError\"",
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cfn.ClearFaults)
	create(t, obj)
	got := waitStack(t, obj, "Stalled with StackFailed", stalledWith(csv1.ReasonStackFailed))
	if len(got.Status.FailedResources) == 0 {
		t.Fatalf("no failed resources in status: %s", summary(got))
	}
	root := got.Status.FailedResources[0]
	if root.LogicalID != "WebService" || root.Type != "AWS::ECS::Service" || !strings.Contains(root.Reason, "CannotPullContainerError") {
		t.Fatalf("root cause: %+v", root)
	}
	for _, f := range got.Status.FailedResources {
		if strings.Contains(f.Reason, "Resource creation cancelled") {
			t.Fatalf("a cancelled resource is reported as a cause: %+v", f)
		}
	}
	if msg := condition(got, csv1.ConditionStalled).Message; !strings.Contains(msg, "WebService") {
		t.Fatalf("the Stalled message should name the root cause: %q", msg)
	}
	if s := kstatus(t, got); s != status.FailedStatus {
		t.Fatalf("kstatus %s, want Failed", s)
	}
	waitEvent(t, obj, corev1.EventTypeWarning, csv1.ReasonStackFailed, "CannotPullContainerError")

	// With the cause gone, a new spec deletes the rolled-back stack and creates it again.
	cfn.ClearFaults()
	update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Compose.Images = map[string]string{"web": "nginx:1.28"} })
	waitStack(t, obj, "Ready after the fix", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && o.Status.StackStatus == "CREATE_COMPLETE" && len(o.Status.FailedResources) == 0
	})
}

func TestRoleNotAllowed(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "role", webCompose)
	obj.Spec.Stack.RoleARN = "arn:aws:iam::123456789012:role/admin"
	create(t, obj)
	stalledMessage(t, obj, csv1.ReasonRoleNotAllowed, "spec.stack.roleARN")
}

func TestOwnershipAndAdoption(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	name := csv1.DefaultStackName(ns, "legacy")
	// A stack as Docker Compose for ECS left it: its project tag, no owner.
	if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName:    aws.String(name),
		TemplateBody: aws.String(`{"Resources":{"LogGroup":{"Type":"AWS::Logs::LogGroup","Properties":{"LogGroupName":"/docker-compose/legacy"}}}}`),
		Tags:         []cftypes.Tag{{Key: aws.String("com.docker.compose.project"), Value: aws.String("legacy")}},
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "legacy stack created", 30*time.Second, func() (bool, string) {
		s := describeStack(t, name)
		return s != nil && s.StackStatus == cftypes.StackStatusCreateComplete, "not yet"
	})
	obj := newStack(ns, "legacy", webCompose)
	create(t, obj)
	stalledMessage(t, obj, csv1.ReasonOwnershipConflict, "adopt")
	// Deleting a ComposeStack that never owned the stack leaves the stack alone and lets the object go.
	other := newStack(ns, "legacy", webCompose)
	other.Name = "legacy-twin"
	other.Spec.Stack.Name = name
	if err := env.Client.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	waitStack(t, other, "twin Stalled on ownership", stalledWith(csv1.ReasonOwnershipConflict))
	deleteAndWait(t, other)
	if s := describeStack(t, name); s == nil || s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("a stack the object never owned was touched: %+v", s)
	}

	update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Stack.Adopt = true })
	got := waitStack(t, obj, "Ready after adoption", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && o.Status.StackStatus == "UPDATE_COMPLETE"
	})
	tags := map[string]string{}
	for _, tag := range describeStack(t, name).Tags {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if tags[csv1.TagOwnerUID] != string(got.UID) || tags[csv1.TagOwnerName] != "legacy" {
		t.Fatalf("owner tags after adoption: %v", tags)
	}
}

// TestKubectlGetColumns checks what `kubectl get` shows.
func TestKubectlGetColumns(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "cols", webCompose)
	create(t, obj)
	got := waitStack(t, obj, "Ready", readyAt)
	if !strings.HasSuffix(got.Status.Progress, " resources") {
		t.Fatalf("status.progress = %q", got.Status.Progress)
	}
	kubeconfig, err := env.Kubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.Kubectl(kubeconfig, "get", "cstack", "-n", ns, "-o", "wide")
	if err != nil {
		t.Fatalf("kubectl get: %v\n%s", err, out)
	}
	for _, want := range []string{"READY", "STACK STATUS", "PROGRESS", "ENDPOINT", "MESSAGE", "True", "CREATE_COMPLETE", got.Status.Progress, got.Status.Endpoints.LoadBalancerDNSName} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl get -o wide lacks %q:\n%s", want, out)
		}
	}
	if _, err := exec.LookPath(filepath.Join(env.BinDir, "kubectl")); err != nil {
		t.Fatal(err)
	}
}
