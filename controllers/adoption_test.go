package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"k8s.io/utils/ptr"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
)

// adoptionCase is a project as `docker compose up` deployed it, and the compose files it came from.
type adoptionCase struct {
	project dockerProject
	files   map[string]string // compose file first, then supporting files, by path
	compose string            // name of the compose file in files
	// respell, when set, changes the template Docker printed, as another converter version wrote it.
	respell func(body string) string
}

// utopiaDir holds the seed's Utopia project, as the renderer's golden test reads it.
const utopiaDir = "../internal/render/testdata/seed-utopia-main"

func utopiaCase(t *testing.T) adoptionCase {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(utopiaDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	eureka := map[string]string{
		"eureka.client.serviceUrl.defaultZone": "http://netflix:eureka@eureka:8761/eureka/",
		"eureka.instance.prefer-ip-address":    "true",
		"SPRING_PROFILES_ACTIVE":               "rds-dev,ecs",
	}
	withKey := map[string]string{"ENCRYPT_KEY": "made-up-test-key-not-a-real-secret"}
	for k, v := range eureka {
		withKey[k] = v
	}
	image := func(s string) string {
		return "247293358719.dkr.ecr.us-east-1.amazonaws.com/main/ss-utopia/" + s + ":latest"
	}
	return adoptionCase{
		compose: "docker-compose.yaml",
		files: map[string]string{
			"docker-compose.yaml":                   read("docker-compose.yaml"),
			"eureka.env":                            read("eureka.env"),
			".secret/spring_config_encrypt_key.env": read(".secret/spring_config_encrypt_key.env"),
		},
		project: dockerProject{
			name: "ss-utopia",
			services: []dockerService{
				{name: "auth", image: image("auth-service"), ports: []int{8089}, env: eureka, dependsOn: []string{"config", "eureka"}},
				{name: "config", image: image("config-server"), ports: []int{8888}, env: withKey, dependsOn: []string{"eureka"}},
				{name: "customers", image: image("customers-service"), ports: []int{8081}, env: eureka, dependsOn: []string{"auth", "config", "eureka"}},
				{name: "eureka", image: image("eureka-server"), ports: []int{8761}},
				{name: "flights", image: image("flights-service"), ports: []int{8083}, env: eureka, dependsOn: []string{"config", "eureka"}},
				{name: "orchestrator", image: image("orchestrator-service"), ports: []int{443}, env: eureka, dependsOn: []string{"auth", "customers", "flights", "tickets"}},
				{name: "tickets", image: image("tickets-service"), ports: []int{8082}, env: eureka, dependsOn: []string{"config", "eureka"}},
			},
			// x-aws-cloudformation, as the converter merged it.
			overlay: func(r map[string]any) {
				props := r["OrchestratorTCP443Listener"].(map[string]any)["Properties"].(map[string]any)
				props["Protocol"] = "TLS"
				props["Certificates"] = []any{map[string]any{"CertificateArn": "arn:aws:acm:us-east-1:247293358719:certificate/e82de04a-b93c-4ebf-a9e2-420805d1633d"}}
				r["Route53RS"] = res("AWS::Route53::RecordSet", map[string]any{
					"Name": "services.utopia-air.click", "Type": "A", "HostedZoneId": "Z07227751H35Z7E3SB7PD",
					"AliasTarget": map[string]any{"DNSName": getAtt("LoadBalancer", "DNSName"), "HostedZoneId": getAtt("LoadBalancer", "CanonicalHostedZoneID")},
				})
			},
		},
	}
}

// Other common public projects, in the shapes the awesome-compose samples and product quick starts give them.
var adoptionCases = []adoptionCase{
	{compose: "compose.yaml", files: map[string]string{"compose.yaml": `services:
  db:
    image: mariadb:10.6.4-focal
    volumes:
      - db_data:/var/lib/mysql
    environment:
      MYSQL_DATABASE: wordpress
      MYSQL_USER: wordpress
  wordpress:
    image: wordpress:6.4
    ports:
      - "80:80"
    depends_on:
      - db
    environment:
      WORDPRESS_DB_HOST: db
      WORDPRESS_DB_USER: wordpress
      WORDPRESS_DB_NAME: wordpress
volumes:
  db_data:
`}, project: dockerProject{name: "wordpress", volumes: []string{"db_data"}, services: []dockerService{
		{name: "db", image: "mariadb:10.6.4-focal", volumes: map[string]string{"db_data": "/var/lib/mysql"},
			env: map[string]string{"MYSQL_DATABASE": "wordpress", "MYSQL_USER": "wordpress"}},
		{name: "wordpress", image: "wordpress:6.4", ports: []int{80}, dependsOn: []string{"db"},
			env: map[string]string{"WORDPRESS_DB_HOST": "db", "WORDPRESS_DB_USER": "wordpress", "WORDPRESS_DB_NAME": "wordpress"}},
	}}},
	{compose: "compose.yaml", files: map[string]string{"compose.yaml": `services:
  backend:
    image: ghcr.io/example/nginx-golang-backend:1.0
  proxy:
    image: nginx:1.27
    ports:
      - 80:80
    depends_on:
      - backend
`}, project: dockerProject{name: "nginx-golang", services: []dockerService{
		{name: "backend", image: "ghcr.io/example/nginx-golang-backend:1.0"},
		{name: "proxy", image: "nginx:1.27", ports: []int{80}, dependsOn: []string{"backend"}},
	}}},
	{compose: "docker-compose.yml", files: map[string]string{"docker-compose.yml": `services:
  web:
    image: ghcr.io/example/flask-redis-counter:2
    ports:
      - "8000:8000"
    environment:
      REDIS_HOST: redis
  redis:
    image: redis:7-alpine
`}, project: dockerProject{name: "flask-redis", services: []dockerService{
		{name: "redis", image: "redis:7-alpine"},
		{name: "web", image: "ghcr.io/example/flask-redis-counter:2", ports: []int{8000}, env: map[string]string{"REDIS_HOST": "redis"}},
	}}},
	{compose: "compose.yaml", files: map[string]string{"compose.yaml": `services:
  ghost:
    image: ghost:5-alpine
    ports:
      - 2368:2368
    environment:
      database__client: mysql
      database__connection__host: mysql
    depends_on: [mysql]
  mysql:
    image: mysql:8.0
`}, project: dockerProject{name: "ghost", services: []dockerService{
		{name: "ghost", image: "ghost:5-alpine", ports: []int{2368}, dependsOn: []string{"mysql"},
			env: map[string]string{"database__client": "mysql", "database__connection__host": "mysql"}},
		{name: "mysql", image: "mysql:8.0"},
	}}},
	{compose: "compose.yaml", files: map[string]string{"compose.yaml": `services:
  prometheus:
    image: prom/prometheus:v2.53.0
    ports:
      - 9090:9090
  grafana:
    image: grafana/grafana:11.1.0
    ports:
      - 3000:3000
    volumes:
      - grafana-storage:/var/lib/grafana
    depends_on:
      - prometheus
volumes:
  grafana-storage: {}
`}, project: dockerProject{name: "prometheus-grafana", volumes: []string{"grafana-storage"}, services: []dockerService{
		{name: "grafana", image: "grafana/grafana:11.1.0", ports: []int{3000}, dependsOn: []string{"prometheus"},
			volumes: map[string]string{"grafana-storage": "/var/lib/grafana"}},
		{name: "prometheus", image: "prom/prometheus:v2.53.0", ports: []int{9090}},
	}}},
}

// updateChanges is what one update did to the stack's resources, read from its events.
type updateChanges struct {
	modified, replaced, removed, added []string // logical IDs
	typeOf                             map[string]string
}

// byType counts ids by resource type, as "Type n" sorted by type, without the AWS:: prefix.
func (u updateChanges) byType(ids []string) string {
	n := map[string]int{}
	for _, id := range ids {
		n[strings.TrimPrefix(u.typeOf[id], "AWS::")]++
	}
	var out []string
	for _, typ := range slices.Sorted(maps.Keys(n)) {
		out = append(out, fmt.Sprintf("%s %d", typ, n[typ]))
	}
	return strings.Join(out, ", ")
}

// adoptDocker creates c's stack as `docker compose up` did, then a ComposeStack adopting it, and waits until it
// is Ready. The stack is deleted at the end of the test.
func adoptDocker(t *testing.T, c adoptionCase, network dockerNetwork) *csv1.ComposeStack {
	t.Helper()
	ns := newNamespace(t)
	stackName := c.project.name // Docker named the stack after the project
	body := dockerTemplate(c.project, network)
	if c.respell != nil {
		body = c.respell(body)
	}
	if _, err := cf.CreateStack(context.Background(), &cloudformation.CreateStackInput{
		StackName:    aws.String(stackName),
		TemplateBody: aws.String(body),
		Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityIam},
		OnFailure:    cftypes.OnFailureDelete,
		Tags:         []cftypes.Tag{{Key: aws.String(csv1.TagDockerComposeProject), Value: aws.String(c.project.name)}},
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "docker's stack created", 60*time.Second, func() (bool, string) {
		s := describeStack(t, stackName)
		return s != nil && s.StackStatus == cftypes.StackStatusCreateComplete, "not yet"
	})
	t.Cleanup(func() { deleteStack(t, stackName) })

	obj := newStack(ns, c.project.name, c.files[c.compose])
	obj.Spec.Compose.Files[0].Name = c.compose
	for path, content := range c.files {
		if path != c.compose {
			obj.Spec.Compose.SupportingFiles = append(obj.Spec.Compose.SupportingFiles, csv1.SupportingFile{Path: path, Inline: ptr.To(content)})
		}
	}
	slices.SortFunc(obj.Spec.Compose.SupportingFiles, func(a, b csv1.SupportingFile) int { return strings.Compare(a.Path, b.Path) })
	obj.Spec.Compose.ProjectName = c.project.name
	obj.Spec.Stack.Name = stackName
	obj.Spec.Stack.Adopt = true
	obj.Spec.Stack.DeletionPolicy = csv1.DeletionPolicyRetain // the cleanup deletes the stack
	create(t, obj)
	waitStack(t, obj, "Ready after adoption", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && o.Status.StackStatus == "UPDATE_COMPLETE"
	})
	return obj
}

// Adopting a stack that `docker compose up` made updates it in place: nothing is replaced, not even a task
// definition (each keeps Docker's definition, composestack's rendering deferred), nothing is removed, and the
// ComposeStack is Ready.
func TestAdoptDockerComposeStacks(t *testing.T) {
	// Spelled as earlier converters (and earlier composestack versions) wrote them: the cluster's name, the
	// protocol in lower case. The update keeps those spellings, so nothing is replaced either.
	older := adoptionCases[1]
	older.project.name = "older-spelling"
	older.respell = func(body string) string {
		return strings.NewReplacer(`"Cluster":{"Fn::GetAtt":["Cluster","Arn"]}`, `"Cluster":{"Ref":"Cluster"}`,
			`"IpProtocol":"TCP"`, `"IpProtocol":"tcp"`).Replace(body)
	}
	cases := append([]adoptionCase{utopiaCase(t)}, append(adoptionCases, older)...)
	network := defaultNetwork(t)
	for _, c := range cases {
		t.Run(c.project.name, func(t *testing.T) {
			stackName := c.project.name
			adoptDocker(t, c, network)

			ch := updatesOf(t, stackName)[0]
			all, err := cf.DescribeStackResources(context.Background(), &cloudformation.DescribeStackResourcesInput{StackName: aws.String(stackName)})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("ADOPTION %s: of %d resources, %d modified in place (%s), %d replaced, %d removed, %d added",
				c.project.name, len(all.StackResources), len(ch.modified), ch.byType(ch.modified), len(ch.replaced), len(ch.removed), len(ch.added))
			if len(ch.replaced) > 0 {
				t.Errorf("adoption replaced %v (%s)", ch.replaced, ch.byType(ch.replaced))
			}
			if len(ch.removed) > 0 {
				t.Errorf("adoption removed %v", ch.removed)
			}
			for _, s := range c.project.services {
				if got := deferredImages(t, stackName, dockerID(s.name)+"TaskDefinition"); got == nil {
					t.Errorf("%sTaskDefinition: composestack's rendering is not deferred", dockerID(s.name))
				}
			}
			tags := map[string]string{}
			for _, tag := range describeStack(t, stackName).Tags {
				tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
			if tags[csv1.TagDockerComposeProject] != c.project.name {
				t.Errorf("stack tags after adoption: %v; want %s=%s kept", tags, csv1.TagDockerComposeProject, c.project.name)
			}
		})
	}
}

// After an adoption, a change to one service gives that service's task definition composestack's rendering (one
// new revision); the other services keep their deferred definitions.
func TestAdoptedTaskDefinitionIsRenderedOnceItsServiceChanges(t *testing.T) {
	c := adoptionCases[2] // flask-redis
	c.project.name = "deferred-until-changed"
	obj := adoptDocker(t, c, defaultNetwork(t))
	stackName := c.project.name

	compose := strings.Replace(c.files[c.compose], "flask-redis-counter:2", "flask-redis-counter:3", 1)
	gen := update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Compose.Files[0].Inline = ptr.To(compose) })
	waitStack(t, obj, "Ready after the image change", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && o.Generation == gen && o.Status.StackStatus == "UPDATE_COMPLETE"
	})

	updates := updatesOf(t, stackName)
	if len(updates) != 2 {
		t.Fatalf("%d updates, want the adoption and the image change", len(updates))
	}
	ch := updates[1]
	t.Logf("image change: %d modified in place (%s), replaced %v, removed %v, added %v", len(ch.modified), ch.byType(ch.modified), ch.replaced, ch.removed, ch.added)
	if !slices.Equal(ch.replaced, []string{"WebTaskDefinition"}) || len(ch.removed) > 0 {
		t.Errorf("the image change replaced %v and removed %v; want a new revision of WebTaskDefinition alone", ch.replaced, ch.removed)
	}
	if got := deferredImages(t, stackName, "WebTaskDefinition"); got != nil {
		t.Errorf("WebTaskDefinition is still deferred, images %v", got)
	}
	images := liveImages(t, stackName, "WebTaskDefinition")
	if !slices.Contains(images, "ghcr.io/example/flask-redis-counter:3") || !slices.ContainsFunc(images, func(s string) bool { return strings.HasPrefix(s, "public.ecr.aws/") }) {
		t.Errorf("WebTaskDefinition images %v; want the new image and composestack's public.ecr.aws helper", images)
	}
	if got := deferredImages(t, stackName, "RedisTaskDefinition"); !slices.Contains(got, "docker/ecs-searchdomain-sidecar:1.0") {
		t.Errorf("RedisTaskDefinition: deferred images %v; want Docker's definition kept", got)
	}
}

// liveTaskDefinition is the resource id of the stack's live template.
func liveTaskDefinition(t *testing.T, stackName, id string) map[string]any {
	t.Helper()
	out, err := cf.GetTemplate(context.Background(), &cloudformation.GetTemplateInput{StackName: aws.String(stackName)})
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]map[string]any }
	if err := json.Unmarshal([]byte(aws.ToString(out.TemplateBody)), &tpl); err != nil {
		t.Fatal(err)
	}
	r := tpl.Resources[id]
	if r == nil {
		t.Fatalf("stack %s has no %s", stackName, id)
	}
	return r
}

// liveImages are the container images of task definition id in the stack's live template.
func liveImages(t *testing.T, stackName, id string) []string {
	t.Helper()
	props, _ := liveTaskDefinition(t, stackName, id)["Properties"].(map[string]any)
	list, _ := props["ContainerDefinitions"].([]any)
	var out []string
	for _, c := range list {
		m, _ := c.(map[string]any)
		img, _ := m["Image"].(string)
		out = append(out, img)
	}
	return out
}

// deferredImages are the images of task definition id when it is deferred (it carries stack.DeferredKey), nil
// when it is not.
func deferredImages(t *testing.T, stackName, id string) []string {
	t.Helper()
	meta, _ := liveTaskDefinition(t, stackName, id)["Metadata"].(map[string]any)
	if d, _ := meta[stack.DeferredKey].(string); !strings.HasPrefix(d, "sha256:") {
		return nil
	}
	return liveImages(t, stackName, id)
}

// defaultNetwork is the default VPC and all its subnets, where Docker deployed and where the controller deploys
// a ComposeStack without spec.network.
func defaultNetwork(t *testing.T) dockerNetwork {
	t.Helper()
	client := ec2.New(ec2.Options{
		Region: region, BaseEndpoint: aws.String(cfn.URL()), HTTPClient: cfnlocal.HTTPClient(),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
	ctx := context.Background()
	vpcs, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(vpcs.Vpcs) == 0 {
		t.Fatalf("describe vpcs: %v", err)
	}
	n := dockerNetwork{vpc: aws.ToString(vpcs.Vpcs[0].VpcId), region: region}
	subnets, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subnets.Subnets {
		n.subnets = append(n.subnets, aws.ToString(s.SubnetId))
	}
	sort.Strings(n.subnets)
	return n
}

// updatesOf reads, from the stack's events, what each of its updates did, oldest first.
func updatesOf(t *testing.T, stackName string) []updateChanges {
	t.Helper()
	var all []cftypes.StackEvent
	p := cloudformation.NewDescribeStackEventsPaginator(cf, &cloudformation.DescribeStackEventsInput{StackName: aws.String(stackName)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, out.StackEvents...)
	}
	slices.Reverse(all) // oldest first
	var updates []updateChanges
	var ch *updateChanges
	seen := map[string]bool{}
	for _, ev := range all {
		id, status := aws.ToString(ev.LogicalResourceId), ev.ResourceStatus
		if id == stackName {
			switch status {
			case cftypes.ResourceStatusUpdateInProgress:
				updates = append(updates, updateChanges{typeOf: map[string]string{}})
				ch, seen = &updates[len(updates)-1], map[string]bool{}
			case cftypes.ResourceStatusUpdateComplete:
				ch = nil
			}
			continue
		}
		if ch == nil {
			continue
		}
		ch.typeOf[id] = aws.ToString(ev.ResourceType)
		switch {
		case status == cftypes.ResourceStatusUpdateInProgress && strings.Contains(aws.ToString(ev.ResourceStatusReason), "creation of a new physical resource"):
			ch.replaced = append(ch.replaced, id)
			seen[id] = true
		case status == cftypes.ResourceStatusUpdateComplete && !seen[id]:
			seen[id] = true
			ch.modified = append(ch.modified, id)
		case status == cftypes.ResourceStatusCreateComplete:
			ch.added = append(ch.added, id)
		case status == cftypes.ResourceStatusDeleteComplete && !slices.Contains(ch.replaced, id):
			ch.removed = append(ch.removed, id)
		}
	}
	if len(updates) == 0 {
		t.Fatal("the stack was never updated")
	}
	return updates
}

// deleteStack deletes a stack the test made itself and waits until it is gone.
func deleteStack(t *testing.T, name string) {
	t.Helper()
	if _, err := cf.DeleteStack(context.Background(), &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
		t.Errorf("delete stack %s: %v", name, err)
		return
	}
	eventually(t, "stack "+name+" deleted", 60*time.Second, func() (bool, string) {
		return describeStack(t, name) == nil, "still there"
	})
}

// An adoption that would remove or replace what carries traffic stops before executing anything, lists it, and
// goes ahead once the user allows it. Here the compose file moved the proxy from port 8080 to 80.
func TestAdoptionThatWouldReplaceStopsUntilAllowed(t *testing.T) {
	ns := newNamespace(t)
	c := adoptionCases[1] // nginx-golang
	c.project.name = "moved-port"
	c.project.services = slices.Clone(c.project.services)
	c.project.services[1].ports = []int{8080}
	body := dockerTemplate(c.project, defaultNetwork(t))
	ctx := context.Background()
	if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName: aws.String(c.project.name), TemplateBody: aws.String(body),
		Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityIam},
		Tags:         []cftypes.Tag{{Key: aws.String(csv1.TagDockerComposeProject), Value: aws.String(c.project.name)}},
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "docker's stack created", 60*time.Second, func() (bool, string) {
		s := describeStack(t, c.project.name)
		return s != nil && s.StackStatus == cftypes.StackStatusCreateComplete, "not yet"
	})
	t.Cleanup(func() { deleteStack(t, c.project.name) })

	obj := newStack(ns, c.project.name, c.files[c.compose])
	obj.Spec.Compose.ProjectName = c.project.name
	obj.Spec.Stack.Name = c.project.name
	obj.Spec.Stack.Adopt = true
	obj.Spec.Stack.DeletionPolicy = csv1.DeletionPolicyRetain
	create(t, obj)
	got := stalledMessage(t, obj, csv1.ReasonAdoptionWouldReplace,
		"ProxyTCP8080Listener (AWS::ElasticLoadBalancingV2::Listener): removed",
		"ProxyTCP8080TargetGroup (AWS::ElasticLoadBalancingV2::TargetGroup): removed", "allowAdoptionReplacements")
	if msg := condition(got, csv1.ConditionStalled).Message; strings.Contains(msg, "TaskDefinition") {
		t.Errorf("the stop lists a task definition, which holds no state: %s", msg)
	}
	if s := describeStack(t, c.project.name); s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("the stack was changed before the user allowed it: %s", s.StackStatus)
	}

	update(t, obj, func(o *csv1.ComposeStack) { o.Spec.Stack.AllowAdoptionReplacements = true })
	waitStack(t, obj, "Ready once allowed", func(o *csv1.ComposeStack) bool {
		return readyAt(o) && o.Status.StackStatus == "UPDATE_COMPLETE"
	})
	if ch := updatesOf(t, c.project.name)[0]; !slices.Contains(ch.removed, "ProxyTCP8080Listener") {
		t.Errorf("the allowed adoption did not remove ProxyTCP8080Listener: %+v", ch)
	}
}
