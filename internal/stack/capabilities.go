package stack

import (
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// namedIAMProperties are the properties that give an IAM resource an explicit name, which CloudFormation
// accepts only with CAPABILITY_NAMED_IAM.
var namedIAMProperties = map[string]string{
	"AWS::IAM::Role":            "RoleName",
	"AWS::IAM::User":            "UserName",
	"AWS::IAM::Group":           "GroupName",
	"AWS::IAM::ManagedPolicy":   "ManagedPolicyName",
	"AWS::IAM::InstanceProfile": "InstanceProfileName",
}

// Capabilities returns the capabilities a template needs: CAPABILITY_IAM for any IAM resource,
// CAPABILITY_NAMED_IAM when one has an explicit name, CAPABILITY_AUTO_EXPAND when the template has a
// Transform (at the top or through Fn::Transform). Asking for exactly these, rather than all of them, keeps
// a template that grew IAM resources by surprise from passing unnoticed.
func Capabilities(body []byte) ([]types.Capability, error) {
	var tmpl struct {
		Transform json.RawMessage `json:"Transform"`
		Resources map[string]struct {
			Type       string                     `json:"Type"`
			Properties map[string]json.RawMessage `json:"Properties"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(body, &tmpl); err != nil {
		return nil, err
	}
	var iam, named bool
	for _, r := range tmpl.Resources {
		if !strings.HasPrefix(r.Type, "AWS::IAM::") {
			continue
		}
		iam = true
		if p, ok := namedIAMProperties[r.Type]; ok {
			if _, set := r.Properties[p]; set {
				named = true
			}
		}
	}
	var caps []types.Capability
	if iam {
		caps = append(caps, types.CapabilityCapabilityIam)
	}
	if named {
		caps = append(caps, types.CapabilityCapabilityNamedIam)
	}
	if len(tmpl.Transform) > 0 || strings.Contains(string(body), `"Fn::Transform"`) {
		caps = append(caps, types.CapabilityCapabilityAutoExpand)
	}
	return caps, nil
}
