package stack

import (
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
)

func TestDigest(t *testing.T) {
	base := desired(1)
	same := desired(1)
	slices.Reverse(same.Parameters)
	if Digest(base) != Digest(same) {
		t.Error("the order of parameters changed the digest")
	}
	noise := desired(1)
	noise.TemplateBucket, noise.ResyncInterval, noise.Adopt, noise.LastAppliedDigest = "b", 1, true, "x"
	if Digest(base) != Digest(noise) {
		t.Error("fields that do not shape the stack changed the digest")
	}
	changes := map[string]func(*Desired){
		"template":        func(d *Desired) { d.TemplateBody = template(2) },
		"sensitive value": func(d *Desired) { d.Parameters[1].Value = "other" },
		"parameter key":   func(d *Desired) { d.Parameters[0].Key = "Img" },
		"user tag":        func(d *Desired) { d.Tags = map[string]string{"team": "other"} },
		"owner":           func(d *Desired) { d.Owner.UID = "uid-2" },
		"shifted field":   func(d *Desired) { d.Parameters[0] = Parameter{Key: "ImageN", Value: "ginx"} },
	}
	for name, change := range changes {
		d := desired(1)
		change(&d)
		if Digest(d) == Digest(base) {
			t.Errorf("changing the %s kept the digest", name)
		}
	}
}

func TestChangeSetName(t *testing.T) {
	name := ChangeSetName(Digest(desired(1)))
	// CloudFormation: a letter first, then letters, digits and hyphens, at most 128.
	if !regexp.MustCompile(`^composestack-[0-9a-f]{16}$`).MatchString(name) {
		t.Errorf("name = %q", name)
	}
	if got := changeSetNameOf("arn:aws:cloudformation:us-east-1:1:changeSet/" + name + "/uuid"); got != name {
		t.Errorf("changeSetNameOf = %q", got)
	}
	if got := changeSetNameOf("not-an-arn"); got != "" {
		t.Errorf("changeSetNameOf(junk) = %q", got)
	}
}

func TestOwnerTagsWinOverUserTags(t *testing.T) {
	d := desired(1)
	d.Tags = map[string]string{csv1.TagOwnerUID: "forged", "team": "shop"}
	tags := stackTags(d)
	if tags[csv1.TagOwnerUID] != "uid-1" || tags["team"] != "shop" {
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
		got, err := Capabilities([]byte(c.body))
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: Capabilities = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := Capabilities([]byte("Resources: {}")); err == nil {
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
		if got := templateURL(in[0], in[1], "k"); got != want {
			t.Errorf("templateURL(%v) = %s, want %s", in, got, want)
		}
	}
}

// TestReasonsMatchAPI keeps the terminal reasons equal to the condition reasons of the API.
func TestReasonsMatchAPI(t *testing.T) {
	pairs := map[string]string{
		csv1.ReasonOwnershipConflict: csv1.ReasonOwnershipConflict,
		csv1.ReasonTemplateTooLarge:  csv1.ReasonTemplateTooLarge,
		csv1.ReasonChangeSetFailed:   csv1.ReasonChangeSetFailed,
		csv1.ReasonStackFailed:       csv1.ReasonStackFailed,
		csv1.ReasonDeleteFailed:      csv1.ReasonDeleteFailed,
		csv1.TagOwnerNamespace:       csv1.TagOwnerNamespace,
		csv1.TagOwnerName:            csv1.TagOwnerName,
		csv1.TagOwnerUID:             csv1.TagOwnerUID,
		csv1.TagDockerComposeProject: csv1.TagDockerComposeProject,
	}
	for ours, theirs := range pairs {
		if ours != theirs {
			t.Errorf("%q != %q", ours, theirs)
		}
	}
}
