package main

import (
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"

	"github.com/composestack/composestack/charts"
)

// TestDeploymentRunsAsImageUser reads the manager's Deployment (config/default only adds a name prefix and a
// namespace to it) and sees that it runs the image's entrypoint as the image's user, on a read-only root
// filesystem. TestChartRunsAsImageUser holds the Helm chart's Deployment to the same.
func TestDeploymentRunsAsImageUser(t *testing.T) {
	f, err := os.Open("../../config/manager/manager.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	dec := yaml.NewYAMLOrJSONDecoder(f, 4096)
	var deployments []appsv1.Deployment
	for {
		var d appsv1.Deployment
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if d.Kind == "Deployment" {
			deployments = append(deployments, d)
		}
	}
	if len(deployments) != 1 {
		t.Fatalf("config/manager/manager.yaml has %d Deployments, want 1", len(deployments))
	}
	checkRunsAsImageUser(t, deployments[0].Spec.Template.Spec)
}

// TestChartRunsAsImageUser renders the Helm chart with its default values (no value reaches the security
// context) and checks its Deployment as above.
func TestChartRunsAsImageUser(t *testing.T) {
	objs, err := charts.Render("../../charts/composestack", charts.Release{Name: "composestack", Namespace: "composestack-system"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var deployments []appsv1.Deployment
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		var d appsv1.Deployment
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &d); err != nil {
			t.Fatal(err)
		}
		deployments = append(deployments, d)
	}
	if len(deployments) != 1 {
		t.Fatalf("the chart renders %d Deployments, want 1", len(deployments))
	}
	checkRunsAsImageUser(t, deployments[0].Spec.Template.Spec)
}

// checkRunsAsImageUser sees that pod runs the image's entrypoint as the image's user, on a read-only root
// filesystem.
func checkRunsAsImageUser(t *testing.T, pod corev1.PodSpec) {
	t.Helper()
	for _, c := range pod.Containers {
		if c.Name != "manager" {
			continue
		}
		if !slices.Equal(c.Command, []string{entrypoint}) {
			t.Errorf("command = %q, want the image's entrypoint %q", c.Command, entrypoint)
		}
		// A container's own securityContext overrides the pod's, field by field.
		uid, nonRoot := pod.SecurityContext.RunAsUser, pod.SecurityContext.RunAsNonRoot
		if sc := c.SecurityContext; sc != nil && sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		if sc := c.SecurityContext; sc != nil && sc.RunAsNonRoot != nil {
			nonRoot = sc.RunAsNonRoot
		}
		if uid == nil || *uid != nonRootUID {
			t.Errorf("runAsUser = %v, want the image's user %d", uid, nonRootUID)
		}
		if nonRoot == nil || !*nonRoot {
			t.Errorf("runAsNonRoot = %v, want true", nonRoot)
		}
		if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("readOnlyRootFilesystem is not true")
		}
		return
	}
	t.Fatal("the Deployment has no container named manager")
}

// TestDockerfileBuildsTheSameImage checks what can be checked of the Dockerfile without an engine: it starts
// from nothing, takes the root files from this program, and runs the same entrypoint as the same user.
func TestDockerfileBuildsTheSameImage(t *testing.T) {
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.Itoa(nonRootUID)
	for _, want := range []string{
		"go run ./hack/image rootfs",
		"FROM scratch",
		"USER " + id + ":" + id,
		`ENTRYPOINT ["` + entrypoint + `"]`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
