package controllers_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	corev1 "k8s.io/api/core/v1"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

const volumeCompose = `services:
  db:
    image: postgres:16
    volumes:
      - data:/var/lib/postgresql/data
volumes:
  data: {}
`

// Deleting a ComposeStack retains its file systems; creating it again mounts the same file system, as Docker
// Compose for ECS did, instead of a new, empty one.
func TestRecreatedStackReattachesItsFileSystem(t *testing.T) {
	ns := newNamespace(t)
	first := newStack(ns, "db", volumeCompose)
	first.Spec.Compose.ProjectName = ns // unique to this test: file systems are found by project and volume
	create(t, first)
	got := waitStack(t, first, "Ready", readyAt)
	if len(got.Status.ReattachedFileSystems) != 0 {
		t.Fatalf("a first stack reattached %v", got.Status.ReattachedFileSystems)
	}
	fsID := physicalID(t, got.Status.StackName, "DataFilesystem")
	if !strings.HasPrefix(fsID, "fs-") {
		t.Fatalf("file system ID %q", fsID)
	}
	deleteAndWait(t, got)

	second := newStack(ns, "db", volumeCompose)
	second.Spec.Compose.ProjectName = ns
	create(t, second)
	got = waitStack(t, second, "Ready again", readyAt)
	want := []csv1.ReattachedFileSystem{{Volume: "data", FileSystemID: fsID}}
	if !slices.Equal(got.Status.ReattachedFileSystems, want) {
		t.Errorf("status.reattachedFileSystems = %v, want %v", got.Status.ReattachedFileSystems, want)
	}
	body := templateOf(t, got.Status.StackName)
	if strings.Contains(body, "AWS::EFS::FileSystem") {
		t.Error("the recreated stack makes a new file system")
	}
	if n := strings.Count(body, `"FileSystemId":"`+fsID+`"`) + strings.Count(body, `"FileSystemId": "`+fsID+`"`); n == 0 {
		t.Errorf("the recreated stack does not mount %s", fsID)
	}
	waitEvent(t, got, corev1.EventTypeNormal, csv1.ReasonFileSystemReattached, fsID)
}

// physicalID is the physical ID of a stack's resource.
func physicalID(t *testing.T, stackName, logicalID string) string {
	t.Helper()
	out, err := cf.DescribeStackResources(context.Background(), &cloudformation.DescribeStackResourcesInput{
		StackName: aws.String(stackName), LogicalResourceId: aws.String(logicalID)})
	if err != nil || len(out.StackResources) != 1 {
		t.Fatalf("describe %s/%s: %v", stackName, logicalID, err)
	}
	return aws.ToString(out.StackResources[0].PhysicalResourceId)
}
