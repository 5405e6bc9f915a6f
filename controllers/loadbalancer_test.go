package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// edgeTemplate is a network stack made outside composestack: a network load balancer in two of the three
// subnets of the endpoint's default VPC.
func edgeTemplate(name string) string {
	return `{
  "Resources": {
    "Edge": {
      "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
      "Properties": {
        "Name": "` + name + `",
        "Type": "network",
        "Subnets": ["subnet-0cf10c41000000001", "subnet-0cf10c41000000002"]
      }
    }
  },
  "Outputs": {"Arn": {"Value": {"Ref": "Edge"}}}
}`
}

// createEdge creates, through CloudFormation, a stack holding a load balancer called name, waits for it, and
// returns the load balancer's ARN. The stack is deleted at the end of the test.
func createEdge(t *testing.T, stackName, name string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(stackName), TemplateBody: aws.String(edgeTemplate(name))}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = cf.DeleteStack(context.Background(), &cloudformation.DeleteStackInput{StackName: aws.String(stackName)})
	})
	var arn string
	eventually(t, "load balancer "+name, 60*time.Second, func() (bool, string) {
		s := describeStack(t, stackName)
		if s == nil || s.StackStatus != cftypes.StackStatusCreateComplete {
			return false, "stack not created yet"
		}
		arn = aws.ToString(s.Outputs[0].OutputValue)
		return true, ""
	})
	return arn
}

// TestExistingLoadBalancerByName deploys a compose file whose x-aws-loadbalancer names a load balancer
// another stack made, as Docker Compose for ECS allowed: the controller looks it up, attaches the listeners
// to it, and puts the tasks in its subnets.
func TestExistingLoadBalancerByName(t *testing.T) {
	ns := newNamespace(t)
	edgeARN := createEdge(t, ns+"-shared-edge", "shared-edge")

	obj := newStack(ns, "db", `
x-aws-loadbalancer: shared-edge
services:
  db:
    image: postgres:16
    ports: ["5432:5432"]
`)
	create(t, obj)
	got := waitStack(t, obj, "Ready", readyAt)
	body := templateOf(t, got.Status.StackName)
	if !strings.Contains(body, `"LoadBalancerArn":"`+edgeARN+`"`) {
		t.Errorf("the listener is not attached to %s:\n%s", edgeARN, body)
	}
	if strings.Contains(body, `"AWS::ElasticLoadBalancingV2::LoadBalancer"`) {
		t.Errorf("the template creates a load balancer of its own:\n%s", body)
	}
	// The tasks go where the load balancer is: its two subnets, not the VPC's third.
	if !strings.Contains(body, `"Subnets":["subnet-0cf10c41000000001","subnet-0cf10c41000000002"]`) {
		t.Errorf("the service is not in the load balancer's subnets:\n%s", body)
	}
	if got.Status.Endpoints == nil || len(got.Status.Endpoints.Listeners) != 1 || got.Status.Endpoints.Listeners[0].Port != 5432 {
		t.Errorf("endpoints: %+v", got.Status.Endpoints)
	}

}

// TestMissingLoadBalancerRecovers names a load balancer that does not exist yet: the object stalls saying so,
// and once the load balancer is made, outside the cluster, the controller finds it at the next interval, with
// no change to the object.
func TestMissingLoadBalancerRecovers(t *testing.T) {
	ns := newNamespace(t)
	obj := newStack(ns, "late", `
x-aws-loadbalancer: late-edge
services:
  db:
    image: postgres:16
    ports: ["5432:5432"]
`)
	obj.Spec.Interval = &metav1.Duration{Duration: 30 * time.Second}
	create(t, obj)
	stalled := stalledMessage(t, obj, csv1.ReasonNetworkNotFound, `"late-edge" (x-aws-loadbalancer) does not exist`)
	if stalled.Status.StackID != "" || describeStack(t, obj.StackName()) != nil {
		t.Fatalf("a stack was made for an object whose load balancer is missing: %s", summary(stalled))
	}

	edgeARN := createEdge(t, ns+"-late-edge", "late-edge")
	got := &csv1.ComposeStack{}
	eventually(t, "Ready once the load balancer exists", 90*time.Second, func() (bool, string) {
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), got); err != nil {
			return false, err.Error()
		}
		return readyAt(got), summary(got)
	})
	if got.Generation != stalled.Generation {
		t.Fatalf("the object changed (generation %d -> %d); it should recover on its own", stalled.Generation, got.Generation)
	}
	if body := templateOf(t, got.Status.StackName); !strings.Contains(body, `"LoadBalancerArn":"`+edgeARN+`"`) {
		t.Errorf("the listener is not attached to %s:\n%s", edgeARN, body)
	}
}
