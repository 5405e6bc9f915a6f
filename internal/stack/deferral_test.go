package stack_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/stack"
)

// dockerTaskDefinition is a task definition as Docker Compose for ECS wrote it: its search-domain helper from
// Docker Hub, the execution role by Ref, no tags.
const dockerTaskDefinition = `{"Type":"AWS::ECS::TaskDefinition","Properties":{"Cpu":"256","Memory":"512","NetworkMode":"awsvpc",` +
	`"ExecutionRoleArn":{"Ref":"WebTaskExecutionRole"},"Family":"shop-web","ContainerDefinitions":[` +
	`{"Name":"Web_ResolvConf_InitContainer","Essential":false,"Image":"docker/ecs-searchdomain-sidecar:1.0","Command":["us-east-1.compute.internal","shop.local"]},` +
	`{"Name":"web","Essential":true,"Image":"nginx:1.27","Environment":[{"Name":"KEY","Value":"k"},{"Name":"MODE","Value":"prod"}],` +
	`"PortMappings":[{"ContainerPort":80,"HostPort":80,"Protocol":"tcp"}],"DependsOn":[{"Condition":"SUCCESS","ContainerName":"Web_ResolvConf_InitContainer"}]}]}}`

// renderedTaskDefinition is composestack's rendering of the same service: its own helper, the role by GetAtt,
// tags, the KEY variable as a secret.
const renderedTaskDefinition = `{"Type":"AWS::ECS::TaskDefinition","Properties":{"Cpu":"256","Memory":"512","NetworkMode":"awsvpc",` +
	`"ExecutionRoleArn":{"Fn::GetAtt":["WebTaskExecutionRole","Arn"]},"Family":"shop-web","ContainerDefinitions":[` +
	`{"Name":"Web_ResolvConf_InitContainer","Essential":false,"Image":"public.ecr.aws/docker/library/busybox:1.37","Command":[{"Fn::Sub":"${AWS::Region}.compute.internal"},"shop.local"]},` +
	`{"Name":"web","Essential":true,"Image":"nginx:1.27","Environment":[{"Name":"MODE","Value":"prod"}],` +
	`"Secrets":[{"Name":"KEY","ValueFrom":{"Fn::Sub":"${WebSecret}:KEY::"}}],` +
	`"PortMappings":[{"ContainerPort":80,"HostPort":80,"Protocol":"tcp"}],"DependsOn":[{"Condition":"SUCCESS","ContainerName":"Web_ResolvConf_InitContainer"}]}],` +
	`"Tags":[{"Key":"com.docker.compose.project","Value":"shop"}]}}`

// withTaskDefinition is a template with the other resources a task definition names and td as WebTaskDefinition.
func withTaskDefinition(td string) string {
	return `{"Resources":{"WebTaskExecutionRole":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{}}},` +
		`"WebSecret":{"Type":"AWS::SecretsManager::Secret"},"WebTaskDefinition":` + td + `}}`
}

// sent decodes what keepSpelling would send and returns its WebTaskDefinition.
func sent(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var tpl struct{ Resources map[string]map[string]any }
	if err := json.Unmarshal(body, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources["WebTaskDefinition"]
}

func imagesOf(td map[string]any) string {
	props, _ := td["Properties"].(map[string]any)
	list, _ := props["ContainerDefinitions"].([]any)
	var out []string
	for _, c := range list {
		m, _ := c.(map[string]any)
		img, _ := m["Image"].(string)
		out = append(out, img)
	}
	return strings.Join(out, " ")
}

func deferredDigest(td map[string]any) string {
	meta, _ := td["Metadata"].(map[string]any)
	d, _ := meta[stack.DeferredKey].(string)
	return d
}

// An adoption keeps a live task definition that runs what the rendering would, differing only in composestack's
// deliberate choices, and records the rendering's digest. Any difference in what runs is applied instead.
func TestAdoptionDefersTaskDefinitionsRunningTheSameWorkload(t *testing.T) {
	secretKey := func(valueFrom string) func(string) string {
		return func(s string) string {
			return strings.Replace(s, `"Environment":[{"Name":"KEY","Value":"k"},{"Name":"MODE","Value":"prod"}]`,
				`"Environment":[{"Name":"MODE","Value":"prod"}],"Secrets":[{"Name":"KEY","ValueFrom":`+valueFrom+`}]`, 1)
		}
	}
	volume := func(fs string) func(string) string {
		return func(s string) string {
			return strings.Replace(s, `"Family":"shop-web",`, `"Family":"shop-web","Volumes":[{"Name":"data","EFSVolumeConfiguration":{"FilesystemId":"`+fs+`"}}],`, 1)
		}
	}
	cases := []struct {
		name     string
		edit     func(rendered string) string
		live     func(docker string) string // nil: Docker's as it is
		deferred bool
	}{
		{"deliberate differences only", func(s string) string { return s }, nil, true},
		{"port protocol in another case", func(s string) string { return strings.Replace(s, `"Protocol":"tcp"`, `"Protocol":"TCP"`, 1) }, nil, true},
		{"host port left out", func(s string) string { return strings.Replace(s, `"HostPort":80,`, ``, 1) }, nil, true},
		{"another image", func(s string) string { return strings.Replace(s, `"nginx:1.27"`, `"nginx:1.28"`, 1) }, nil, false},
		{"more memory", func(s string) string { return strings.Replace(s, `"Memory":"512"`, `"Memory":"1024"`, 1) }, nil, false},
		{"another port", func(s string) string { return strings.ReplaceAll(s, `80`, `8080`) }, nil, false},
		{"another environment value", func(s string) string { return strings.Replace(s, `"prod"`, `"dev"`, 1) }, nil, false},
		{"one more variable", func(s string) string {
			return strings.Replace(s, `{"Name":"MODE","Value":"prod"}`, `{"Name":"MODE","Value":"prod"},{"Name":"DEBUG","Value":"1"}`, 1)
		}, nil, false},
		{"a command", func(s string) string {
			return strings.Replace(s, `"Image":"nginx:1.27",`, `"Image":"nginx:1.27","Command":["serve"],`, 1)
		}, nil, false},
		{"a mount", func(s string) string {
			return strings.Replace(s, `"Image":"nginx:1.27",`, `"Image":"nginx:1.27","MountPoints":[{"SourceVolume":"data","ContainerPath":"/data"}],`, 1)
		}, nil, false},
		{"another essential container", func(s string) string {
			return strings.Replace(s, `"ContainerDefinitions":[`, `"ContainerDefinitions":[{"Name":"proxy","Image":"envoy"},`, 1)
		}, nil, false},
		{"the same secret read", func(s string) string { return s }, secretKey(`{"Fn::Sub":"${WebSecret}:KEY::"}`), true},
		{"another secret read", func(s string) string { return s }, secretKey(`"arn:aws:secretsmanager:us-east-1:1:secret:old"`), false},
		{"the same file system", volume("fs-1"), volume("fs-1"), true},
		{"another file system", volume("fs-2"), volume("fs-1"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := withTaskDefinition(c.edit(renderedTaskDefinition))
			live := withTaskDefinition(dockerTaskDefinition)
			if c.live != nil {
				live = withTaskDefinition(c.live(dockerTaskDefinition))
			}
			got, err := stack.KeepSpelling([]byte(body), []byte(live), true)
			if err != nil {
				t.Fatal(err)
			}
			td := sent(t, got)
			if !c.deferred {
				if string(got) != body {
					t.Errorf("a changed workload was deferred; sent %s", got)
				}
				return
			}
			if imagesOf(td) != "docker/ecs-searchdomain-sidecar:1.0 nginx:1.27" || !strings.HasPrefix(deferredDigest(td), "sha256:") {
				t.Errorf("sent images %q, record %q; want Docker's definition kept with the rendering's digest", imagesOf(td), deferredDigest(td))
			}
		})
	}
}

// After the adoption, a deferred task definition is kept while its rendering has the recorded digest, and replaced
// by the rendering once that changes. A stack that was not adopted never keeps a live definition.
func TestDeferredTaskDefinitionIsKeptUntilItsRenderingChanges(t *testing.T) {
	body := withTaskDefinition(renderedTaskDefinition)
	adopted, err := stack.KeepSpelling([]byte(body), []byte(withTaskDefinition(dockerTaskDefinition)), true)
	if err != nil {
		t.Fatal(err)
	}
	digest := deferredDigest(sent(t, adopted))
	if digest == "" {
		t.Fatalf("the adoption deferred nothing: %s", adopted)
	}

	// The next update, with the same rendering, keeps the definition and its record (the stack is ours now).
	again, err := stack.KeepSpelling([]byte(body), adopted, false)
	if err != nil {
		t.Fatal(err)
	}
	if td := sent(t, again); deferredDigest(td) != digest || !strings.Contains(imagesOf(td), "docker/ecs-searchdomain-sidecar") {
		t.Errorf("an unchanged rendering ended the deferral: %s", again)
	}

	// A changed rendering is sent as it is.
	changed := strings.Replace(body, `"nginx:1.27"`, `"nginx:1.28"`, 1)
	got, err := stack.KeepSpelling([]byte(changed), adopted, false)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != changed {
		t.Errorf("a changed rendering was not sent as it is: %s", got)
	}

	// Without a record, a stack we own gets the rendering: only an adoption defers.
	got, err = stack.KeepSpelling([]byte(body), []byte(withTaskDefinition(dockerTaskDefinition)), false)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != body {
		t.Errorf("a live definition without a record was kept: %s", got)
	}
}

// A live task definition that names a resource the new template does not have is not kept: the template would be
// invalid. One that matches its rendering exactly needs no record.
func TestDeferralNeedsAValidTemplateAndADifference(t *testing.T) {
	gone := strings.Replace(renderedTaskDefinition, `WebTaskExecutionRole`, `TaskExecutionRole`, 1)
	body := `{"Resources":{"TaskExecutionRole":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{}}},` +
		`"WebSecret":{"Type":"AWS::SecretsManager::Secret"},"WebTaskDefinition":` + gone + `}}`
	got, err := stack.KeepSpelling([]byte(body), []byte(withTaskDefinition(dockerTaskDefinition)), true)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != body {
		t.Errorf("a live definition naming a removed role was kept: %s", got)
	}

	same := withTaskDefinition(renderedTaskDefinition)
	if got, _ := stack.KeepSpelling([]byte(same), []byte(same), true); string(got) != same {
		t.Errorf("a definition matching its rendering was rewritten: %s", got)
	}
}

// Through the driver: the adoption keeps Docker's task definition, a restarted driver keeps it while the spec
// holds, reading no template once the stack matches, and a changed image then gets composestack's rendering.
func TestSyncDefersAdoptedTaskDefinitionAcrossRestarts(t *testing.T) {
	e := newLocalEnv(t, false)
	ctx := context.Background()
	if _, err := e.cf.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName:    aws.String("shop-web"),
		TemplateBody: aws.String(withTaskDefinition(dockerTaskDefinition)),
		Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityIam},
		Tags:         []cftypes.Tag{{Key: aws.String(csv1.TagDockerComposeProject), Value: aws.String("shop")}},
	}); err != nil {
		t.Fatal(err)
	}
	e.release(t)
	want := stack.Desired{StackName: "shop-web", TemplateBody: []byte(withTaskDefinition(renderedTaskDefinition)),
		Project: "shop", Owner: motoOwner, Adopt: true}
	rs := e.syncToEnd(t, want)
	if rs[len(rs)-1].Phase != stack.PhaseConverged {
		t.Fatalf("adoption: %v", actionsOf(rs))
	}
	td := sent(t, []byte(e.template(t, "shop-web")))
	if deferredDigest(td) == "" || !strings.Contains(imagesOf(td), "docker/ecs-searchdomain-sidecar") {
		t.Fatalf("after adoption the stack has %s", e.template(t, "shop-web"))
	}

	// A restarted controller: a new driver, the digest it last applied.
	e.d = e.driver(e.cf, stack.Options{})
	want.LastAppliedDigest = stack.Digest(want)
	reads := e.calls("GetTemplate")
	if res := e.syncOnce(t, want); res.Phase != stack.PhaseConverged {
		t.Fatalf("the same spec after a restart: %+v", res)
	}
	if n := e.calls("GetTemplate") - reads; n != 0 {
		t.Errorf("a stack that matches its spec had its template read %d times", n)
	}
	if got := sent(t, []byte(e.template(t, "shop-web"))); deferredDigest(got) != deferredDigest(td) {
		t.Errorf("the deferred definition changed with the spec unchanged: %v", got)
	}

	// A tag change updates the stack and keeps the deferred definition.
	want.Tags = map[string]string{"team": "shop"}
	e.syncToEnd(t, want)
	if got := sent(t, []byte(e.template(t, "shop-web"))); deferredDigest(got) != deferredDigest(td) {
		t.Errorf("an unrelated update ended the deferral: %v", got)
	}

	want.TemplateBody = []byte(withTaskDefinition(strings.Replace(renderedTaskDefinition, `"nginx:1.27"`, `"nginx:1.28"`, 1)))
	e.syncToEnd(t, want)
	got := sent(t, []byte(e.template(t, "shop-web")))
	if deferredDigest(got) != "" || imagesOf(got) != "public.ecr.aws/docker/library/busybox:1.37 nginx:1.28" {
		t.Errorf("after the image change the stack has %s", e.template(t, "shop-web"))
	}
}
