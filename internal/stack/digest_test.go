package stack_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

func TestDigest(t *testing.T) {
	base := desired(1)
	same := desired(1)
	slices.Reverse(same.Parameters)
	if stack.Digest(base) != stack.Digest(same) {
		t.Error("the order of parameters changed the digest")
	}
	noise := desired(1)
	noise.TemplateBucket, noise.ResyncInterval, noise.Adopt, noise.LastAppliedDigest = "b", 1, true, "x"
	if stack.Digest(base) != stack.Digest(noise) {
		t.Error("fields that do not shape the stack changed the digest")
	}
	changes := map[string]func(*stack.Desired){
		"template":        func(d *stack.Desired) { d.TemplateBody = template(2) },
		"sensitive value": func(d *stack.Desired) { d.Parameters[1].Value = "other" },
		"parameter key":   func(d *stack.Desired) { d.Parameters[0].Key = "Img" },
		"user tag":        func(d *stack.Desired) { d.Tags = map[string]string{"team": "other"} },
		"owner":           func(d *stack.Desired) { d.Owner.UID = "uid-2" },
		"shifted field":   func(d *stack.Desired) { d.Parameters[0] = stack.Parameter{Key: "ImageN", Value: "ginx"} },
	}
	for name, change := range changes {
		d := desired(1)
		change(&d)
		if stack.Digest(d) == stack.Digest(base) {
			t.Errorf("changing the %s kept the digest", name)
		}
	}
}

func TestChangeSetName(t *testing.T) {
	name := stack.ChangeSetName(stack.Digest(desired(1)))
	// CloudFormation: a letter first, then letters, digits and hyphens, at most 128.
	if !regexp.MustCompile(`^composestack-[0-9a-f]{16}$`).MatchString(name) {
		t.Errorf("name = %q", name)
	}
	if got := stack.ChangeSetNameOf("arn:aws:cloudformation:us-east-1:1:changeSet/" + name + "/uuid"); got != name {
		t.Errorf("changeSetNameOf = %q", got)
	}
	if got := stack.ChangeSetNameOf("not-an-arn"); got != "" {
		t.Errorf("stack.ChangeSetNameOf(junk) = %q", got)
	}
}

func TestOwnerTagsWinOverUserTags(t *testing.T) {
	d := desired(1)
	d.Tags = map[string]string{csv1.TagOwnerUID: "forged", "team": "shop"}
	tags := stack.StackTags(d)
	if tags[csv1.TagOwnerUID] != motoOwner.UID || tags["team"] != "shop" {
		t.Errorf("tags = %v", tags)
	}
}

func TestCapabilities(t *testing.T) {
	cases := []struct {
		name, body string
		want       []types.Capability
	}{
		{"none", `{"Resources":{"C":{"Type":"AWS::ECS::Cluster"}}}`, nil},
		{"iam", `{"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{}}}}}`,
			[]types.Capability{types.CapabilityCapabilityIam}},
		{"named iam", `{"Resources":{"R":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"ManagedPolicyName":"p"}}}}`,
			[]types.Capability{types.CapabilityCapabilityIam, types.CapabilityCapabilityNamedIam}},
		{"inline policy name is no name", `{"Resources":{"P":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p"}}}}`,
			[]types.Capability{types.CapabilityCapabilityIam}},
		{"transform", `{"Transform":"AWS::Serverless-2016-10-31","Resources":{}}`,
			[]types.Capability{types.CapabilityCapabilityAutoExpand}},
		{"fn transform", `{"Resources":{"C":{"Type":"AWS::ECS::Cluster","Properties":{"Fn::Transform":{"Name":"AWS::Include"}}}}}`,
			[]types.Capability{types.CapabilityCapabilityAutoExpand}},
	}
	for _, c := range cases {
		got, err := stack.Capabilities([]byte(c.body))
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: stack.Capabilities = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := stack.Capabilities([]byte("Resources: {}")); err == nil {
		t.Error("YAML accepted as JSON")
	}
}

func TestTemplateURL(t *testing.T) {
	cases := map[[2]string]string{
		{"b", "eu-west-1"}:         "https://b.s3.eu-west-1.amazonaws.com/k",
		{"my.bucket", "us-east-1"}: "https://s3.us-east-1.amazonaws.com/my.bucket/k",
		{"b", "cn-north-1"}:        "https://b.s3.cn-north-1.amazonaws.com.cn/k",
	}
	for in, want := range cases {
		if got := stack.TemplateURL(in[0], in[1], "k"); got != want {
			t.Errorf("stack.TemplateURL(%v) = %s, want %s", in, got, want)
		}
	}
}

// A stack keeps the project tag Docker Compose for ECS wrote, unless the user tags it otherwise.
func TestStackTagsCarryTheComposeProject(t *testing.T) {
	d := desired(1)
	d.Project = "shop"
	if got := stack.StackTags(d)[csv1.TagDockerComposeProject]; got != "shop" {
		t.Errorf("%s = %q, want shop", csv1.TagDockerComposeProject, got)
	}
	d.Tags = map[string]string{csv1.TagDockerComposeProject: "store"}
	if got := stack.StackTags(d)[csv1.TagDockerComposeProject]; got != "store" {
		t.Errorf("with a user tag, %s = %q, want store", csv1.TagDockerComposeProject, got)
	}
}
