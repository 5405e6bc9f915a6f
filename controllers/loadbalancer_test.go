package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

// sharedEdgeTemplate is a network stack made outside composestack: a network load balancer in two of the three
// subnets of the endpoint's default VPC.
const sharedEdgeTemplate = `{
  "Resources": {
    "Edge": {
      "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
      "Properties": {
        "Name": "shared-edge",
        "Type": "network",
        "Subnets": ["subnet-0cf10c41000000001", "subnet-0cf10c41000000002"]
      }
    }
  },
  "Outputs": {"Arn": {"Value": {"Ref": "Edge"}}}
}`

// TestExistingLoadBalancerByName deploys a compose file whose x-aws-loadbalancer names a load balancer
// another stack made, as Docker Compose for ECS allowed: the controller looks it up, attaches the listeners
// to it, and puts the tasks in its subnets.
func TestExistingLoadBalancerByName(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	edgeStack := ns + "-shared-edge"
	if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(edgeStack), TemplateBody: aws.String(sharedEdgeTemplate)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = cf.DeleteStack(context.Background(), &cloudformation.DeleteStackInput{StackName: aws.String(edgeStack)})
	})
	var edgeARN string
	eventually(t, "the shared load balancer", 60*time.Second, func() (bool, string) {
		s := describeStack(t, edgeStack)
		if s == nil || s.StackStatus != cftypes.StackStatusCreateComplete {
			return false, "stack not created yet"
		}
		edgeARN = aws.ToString(s.Outputs[0].OutputValue)
		return true, ""
	})

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

	missing := newStack(ns, "missing", `
x-aws-loadbalancer: no-such-lb
services:
  db:
    image: postgres:16
    ports: ["5432:5432"]
`)
	create(t, missing)
	stalledMessage(t, missing, csv1.ReasonNetworkNotFound, `"no-such-lb" (x-aws-loadbalancer) does not exist`)
}
