package stack_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	csv1 "github.com/composestack/composestack/api/v1alpha1"
	"github.com/composestack/composestack/internal/awsclient"
	"github.com/composestack/composestack/internal/cfnlocal"
	"github.com/composestack/composestack/internal/stack"
	"github.com/composestack/composestack/internal/stack/mototest"
)

// One moto_server serves every test of the package; it starts with the first test that needs it and is
// reset before each.
var moto struct {
	once sync.Once
	srv  *mototest.Server
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if moto.srv != nil {
		moto.srv.Stop()
	}
	os.Exit(code)
}

func motoServer(t *testing.T) *mototest.Server {
	t.Helper()
	moto.once.Do(func() { moto.srv, moto.err = mototest.Start(context.Background()) })
	if moto.err != nil {
		t.Fatalf("these integration tests need moto_server: %v", moto.err)
	}
	if err := moto.srv.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	return moto.srv
}

// countingCF counts the CloudFormation calls the driver makes.
type countingCF struct {
	stack.CloudFormationAPI
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingCF) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
}

func (c *countingCF) get(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

func (c *countingCF) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

func (c *countingCF) CreateStack(ctx context.Context, in *cloudformation.CreateStackInput, o ...func(*cloudformation.Options)) (*cloudformation.CreateStackOutput, error) {
	c.count("CreateStack")
	return c.CloudFormationAPI.CreateStack(ctx, in, o...)
}

func (c *countingCF) CreateChangeSet(ctx context.Context, in *cloudformation.CreateChangeSetInput, o ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error) {
	c.count("CreateChangeSet")
	return c.CloudFormationAPI.CreateChangeSet(ctx, in, o...)
}

func (c *countingCF) DescribeChangeSet(ctx context.Context, in *cloudformation.DescribeChangeSetInput, o ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error) {
	c.count("DescribeChangeSet")
	return c.CloudFormationAPI.DescribeChangeSet(ctx, in, o...)
}

func (c *countingCF) ExecuteChangeSet(ctx context.Context, in *cloudformation.ExecuteChangeSetInput, o ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error) {
	c.count("ExecuteChangeSet")
	return c.CloudFormationAPI.ExecuteChangeSet(ctx, in, o...)
}

func (c *countingCF) DeleteChangeSet(ctx context.Context, in *cloudformation.DeleteChangeSetInput, o ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error) {
	c.count("DeleteChangeSet")
	return c.CloudFormationAPI.DeleteChangeSet(ctx, in, o...)
}

func (c *countingCF) ListChangeSets(ctx context.Context, in *cloudformation.ListChangeSetsInput, o ...func(*cloudformation.Options)) (*cloudformation.ListChangeSetsOutput, error) {
	c.count("ListChangeSets")
	return c.CloudFormationAPI.ListChangeSets(ctx, in, o...)
}

func (c *countingCF) DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, o ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	c.count("DescribeStacks")
	return c.CloudFormationAPI.DescribeStacks(ctx, in, o...)
}

func (c *countingCF) DescribeStackEvents(ctx context.Context, in *cloudformation.DescribeStackEventsInput, o ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	c.count("DescribeStackEvents")
	return c.CloudFormationAPI.DescribeStackEvents(ctx, in, o...)
}

func (c *countingCF) DeleteStack(ctx context.Context, in *cloudformation.DeleteStackInput, o ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error) {
	c.count("DeleteStack")
	return c.CloudFormationAPI.DeleteStack(ctx, in, o...)
}

func (c *countingCF) ContinueUpdateRollback(ctx context.Context, in *cloudformation.ContinueUpdateRollbackInput, o ...func(*cloudformation.Options)) (*cloudformation.ContinueUpdateRollbackOutput, error) {
	c.count("ContinueUpdateRollback")
	return c.CloudFormationAPI.ContinueUpdateRollback(ctx, in, o...)
}

type motoEnv struct {
	clients *awsclient.Clients
	cf      *countingCF
	d       *stack.Driver
	ecs     *ecs.Client
}

// newMotoEnv builds the clients as the manager does (package awsclient), pointed at moto.
func newMotoEnv(t *testing.T) *motoEnv {
	t.Helper()
	srv := motoServer(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	// cfnlocal's HTTP client avoids a connection-reuse race of the SDK against fast loopback servers (see
	// cfnlocal.HTTPClient), which would make these tests flaky on a loaded machine.
	cache := awsclient.New(awsclient.Options{Endpoint: srv.URL, Credentials: mototest.Credentials, RetryMaxAttempts: 1,
		HTTPClient: cfnlocal.HTTPClient()})
	cl, err := cache.Clients(context.Background(), mototest.Region, "")
	if err != nil {
		t.Fatal(err)
	}
	cf := &countingCF{CloudFormationAPI: cl.CloudFormation, calls: map[string]int{}}
	return &motoEnv{
		clients: cl,
		cf:      cf,
		d:       stack.NewDriver(cf, cl.S3, stack.Options{Region: mototest.Region}),
		ecs:     ecs.NewFromConfig(cl.Config),
	}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/moto/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var motoOwner = stack.Owner{Namespace: "shop", Name: "web", UID: "2b6f0cc9-0b8c-4d4e-9a55-1f7f5e3c1a01"}

func motoDesired(t *testing.T, tmpl string) stack.Desired {
	return stack.Desired{
		StackName:    "shop-web",
		TemplateBody: fixture(t, tmpl),
		Parameters:   []stack.Parameter{{Key: "Image", Value: "nginx:1.27"}},
		Tags:         map[string]string{"team": "shop"},
		Owner:        motoOwner,
	}
}

// syncUntilStable calls Sync until the stack converges or fails.
func syncUntilStable(t *testing.T, d *stack.Driver, want stack.Desired) []stack.Result {
	t.Helper()
	var out []stack.Result
	for range 10 {
		res, err := d.Sync(context.Background(), want)
		if err != nil {
			t.Fatalf("Sync after %d results: %v", len(out), err)
		}
		out = append(out, res)
		if res.Phase == stack.PhaseConverged || res.Phase == stack.PhaseFailed {
			return out
		}
	}
	t.Fatalf("no end after 10 calls: %+v", out)
	return nil
}

func deleteUntilGone(t *testing.T, d *stack.Driver, name string) []stack.Result {
	t.Helper()
	var out []stack.Result
	for range 10 {
		res, err := d.Delete(context.Background(), name, motoOwner)
		if err != nil {
			t.Fatalf("Delete: %v", err)
		}
		out = append(out, res)
		if res.Phase == stack.PhaseDeleted {
			return out
		}
	}
	t.Fatalf("not deleted after 10 calls: %+v", out)
	return nil
}

func (e *motoEnv) stackTags(t *testing.T, name string) map[string]string {
	t.Helper()
	out, err := e.clients.CloudFormation.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, tg := range out.Stacks[0].Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return tags
}

// service returns the desired count of the cluster's only service and its task definition's memory and
// image.
func (e *motoEnv) service(t *testing.T, cluster string) (desired int32, memory, image string) {
	t.Helper()
	ctx := context.Background()
	list, err := e.ecs.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String(cluster)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.ServiceArns) != 1 {
		t.Fatalf("services in %s: %v", cluster, list.ServiceArns)
	}
	svc, err := e.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: list.ServiceArns})
	if err != nil || len(svc.Services) != 1 {
		t.Fatalf("DescribeServices: %v", err)
	}
	td, err := e.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.Services[0].TaskDefinition})
	if err != nil {
		t.Fatal(err)
	}
	return svc.Services[0].DesiredCount, aws.ToString(td.TaskDefinition.Memory), aws.ToString(td.TaskDefinition.ContainerDefinitions[0].Image)
}

func (e *motoEnv) clusterActive(t *testing.T, name string) bool {
	t.Helper()
	out, err := e.ecs.DescribeClusters(context.Background(), &ecs.DescribeClustersInput{Clusters: []string{name}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range out.Clusters {
		if aws.ToString(c.ClusterName) == name && aws.ToString(c.Status) == "ACTIVE" {
			return true
		}
	}
	return false
}

func (e *motoEnv) ourChangeSets(t *testing.T, name string) []string {
	t.Helper()
	out, err := e.clients.CloudFormation.ListChangeSets(context.Background(), &cloudformation.ListChangeSetsInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range out.Summaries {
		if strings.HasPrefix(aws.ToString(s.ChangeSetName), "composestack-") {
			names = append(names, aws.ToString(s.ChangeSetName))
		}
	}
	return names
}

func actionsOf(rs []stack.Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Action)
	}
	return out
}

func TestMotoLifecycle(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()

	// Create with one CreateStack.
	v1 := motoDesired(t, "app-v1.json")
	rs := syncUntilStable(t, e.d, v1)
	last := rs[len(rs)-1]
	if last.Phase != stack.PhaseConverged || last.StackStatus != "CREATE_COMPLETE" || rs[0].Action != stack.ActionCreateStack {
		t.Fatalf("create: %v, last %+v", actionsOf(rs), last)
	}
	if e.cf.get("CreateStack") != 1 || e.cf.get("ExecuteChangeSet") > 1 {
		t.Fatalf("create calls: %v", e.cf.calls)
	}
	t.Logf("create: %d Sync calls, %d CloudFormation calls (%v)", len(rs), e.cf.total(), e.cf.calls)
	if tags := e.stackTags(t, "shop-web"); tags[csv1.TagOwnerUID] != motoOwner.UID || tags["team"] != "shop" {
		t.Errorf("stack tags = %v", tags)
	}
	if !e.clusterActive(t, "shop") {
		t.Fatal("cluster shop not active")
	}
	if n, mem, img := e.service(t, "shop"); n != 1 || mem != "512" || img != "nginx:1.27" {
		t.Fatalf("service: desired %d, memory %s, image %s", n, mem, img)
	}
	if cs := e.ourChangeSets(t, "shop-web"); len(cs) != 0 {
		t.Errorf("spent change sets left: %v", cs)
	}

	// Converged and recorded: one DescribeStacks, nothing else.
	v1.LastAppliedDigest = last.Digest
	before := e.cf.total()
	res, err := e.d.Sync(ctx, v1)
	if err != nil || res.Phase != stack.PhaseConverged || e.cf.total()-before != 1 {
		t.Fatalf("steady state: %+v, %v, %d calls", res, err, e.cf.total()-before)
	}

	// Update through an UPDATE change set.
	v2 := motoDesired(t, "app-v2.json")
	v2.LastAppliedDigest = last.Digest
	rs = syncUntilStable(t, e.d, v2)
	last = rs[len(rs)-1]
	if last.Phase != stack.PhaseConverged || last.StackStatus != "UPDATE_COMPLETE" || rs[0].ChangeSet.Type != "UPDATE" {
		t.Fatalf("update: %v, last %+v", actionsOf(rs), last)
	}
	if n, mem, _ := e.service(t, "shop"); n != 2 || mem != "1024" {
		t.Fatalf("service after update: desired %d, memory %s", n, mem)
	}

	// The same spec without the caller's record: moto answers "No updates are to be performed.", which is
	// convergence, and nothing is executed.
	v2.LastAppliedDigest = ""
	creates, executes := e.cf.get("CreateChangeSet"), e.cf.get("ExecuteChangeSet")
	rs = syncUntilStable(t, e.d, v2)
	if last := rs[len(rs)-1]; last.Phase != stack.PhaseConverged || len(rs) != 1 {
		t.Fatalf("no-op update: %+v", rs)
	}
	if e.cf.get("CreateChangeSet") != creates+1 || e.cf.get("ExecuteChangeSet") != executes {
		t.Errorf("no-op update calls: %v", e.cf.calls)
	}

	// Delete.
	rs = deleteUntilGone(t, e.d, "shop-web")
	if rs[0].Action != stack.ActionDeleteStack {
		t.Fatalf("delete: %v", actionsOf(rs))
	}
	_, err = e.clients.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("shop-web")})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("stack still there: %v", err)
	}
	// moto's ECS models have no delete_from_cloudformation_json, so the cluster outlives the stack there;
	// only the stack's disappearance can be checked.
	deletes := e.cf.get("DeleteStack")
	if res, err := e.d.Delete(ctx, "shop-web", motoOwner); err != nil || res.Phase != stack.PhaseDeleted || e.cf.get("DeleteStack") != deletes {
		t.Fatalf("deleting again: %+v, %v", res, err)
	}
}

func TestMotoNoOpChangeSetWithoutParameters(t *testing.T) {
	e := newMotoEnv(t)
	want := motoDesired(t, "cluster.json")
	want.Parameters = nil
	syncUntilStable(t, e.d, want)
	// Without parameters moto computes a change set, which fails as having no changes.
	rs := syncUntilStable(t, e.d, want)
	last := rs[len(rs)-1]
	if last.Phase != stack.PhaseConverged || last.Action != stack.ActionDeleteChangeSet {
		t.Fatalf("no-op: %v, last %+v", actionsOf(rs), last)
	}
	// moto puts no ClientRequestToken on stack events, so the driver cannot tell that it created the stack
	// from this spec, and checks with a change set after the create too: two no-op change sets, none run.
	if e.cf.get("ExecuteChangeSet") != 0 || e.cf.get("CreateChangeSet") != 2 {
		t.Errorf("calls: %v", e.cf.calls)
	}
	if cs := e.ourChangeSets(t, "shop-web"); len(cs) != 0 {
		t.Errorf("empty change set left: %v", cs)
	}
}

func TestMotoStackNotFound(t *testing.T) {
	e := newMotoEnv(t)
	res, err := e.d.Delete(context.Background(), "never-made", motoOwner)
	if err != nil || res.Phase != stack.PhaseDeleted || e.cf.get("DeleteStack") != 0 {
		t.Fatalf("Delete = %+v, %v", res, err)
	}
	want := motoDesired(t, "cluster.json")
	want.StackName, want.Parameters = "never-made", nil
	res, err = e.d.Sync(context.Background(), want)
	if err != nil || res.Action != stack.ActionCreateStack {
		t.Fatalf("Sync = %+v, %v", res, err)
	}
}

func TestMotoAdoptsStackMadeByCreateStack(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()
	// A stack as Docker Compose for ECS left it: made with CreateStack, tagged with the project.
	_, err := e.clients.CloudFormation.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName:    aws.String("shop-web"),
		TemplateBody: aws.String(string(fixture(t, "app-v1.json"))),
		Parameters:   []cftypes.Parameter{{ParameterKey: aws.String("Image"), ParameterValue: aws.String("nginx:1.27")}},
		Tags:         []cftypes.Tag{{Key: aws.String(csv1.TagDockerComposeProject), Value: aws.String("shop")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := motoDesired(t, "app-v2.json")
	_, err = e.d.Sync(ctx, want)
	var te *stack.TerminalError
	if !errors.As(err, &te) || te.Reason != csv1.ReasonOwnershipConflict || !strings.Contains(err.Error(), "Docker Compose for ECS") {
		t.Fatalf("without adopt: %v", err)
	}
	if e.cf.get("CreateChangeSet") != 0 {
		t.Fatal("changed a stack it does not own")
	}
	want.Adopt = true
	rs := syncUntilStable(t, e.d, want)
	if last := rs[len(rs)-1]; last.Phase != stack.PhaseConverged || rs[0].ChangeSet.Type != "UPDATE" || last.StackStatus != "UPDATE_COMPLETE" {
		t.Fatalf("adopt: %v, %+v", actionsOf(rs), rs[len(rs)-1])
	}
	if n, mem, _ := e.service(t, "shop"); n != 2 || mem != "1024" {
		t.Fatalf("service after adoption: desired %d, memory %s", n, mem)
	}
	// moto ignores the tags of UPDATE change sets (AWS applies them), so the owner tags are missing here and
	// the driver still refuses to delete the stack: what it does with any stack it does not own.
	if tags := e.stackTags(t, "shop-web"); tags[csv1.TagOwnerUID] != "" {
		t.Logf("moto now applies UPDATE change set tags: %v", tags)
	}
	_, err = e.d.Delete(ctx, "shop-web", motoOwner)
	if !errors.As(err, &te) || te.Reason != csv1.ReasonOwnershipConflict || e.cf.get("DeleteStack") != 0 {
		t.Fatalf("delete of a stack without our tags: %v", err)
	}
}

func TestMotoUploadsLargeTemplate(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()
	const bucket = "composestack-templates"
	if _, err := e.clients.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(fixture(t, "app-v1.json"), &tmpl); err != nil {
		t.Fatal(err)
	}
	tmpl["Metadata"] = map[string]any{"Padding": strings.Repeat("composestack ", 5000)}
	body, err := json.Marshal(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) <= stack.MaxInlineTemplate {
		t.Fatalf("fixture is only %d bytes", len(body))
	}
	want := motoDesired(t, "app-v1.json")
	want.TemplateBody, want.TemplateBucket = body, bucket
	rs := syncUntilStable(t, e.d, want)
	if last := rs[len(rs)-1]; last.Phase != stack.PhaseConverged || last.StackStatus != "CREATE_COMPLETE" {
		t.Fatalf("%v, %+v", actionsOf(rs), last)
	}
	sum := sha256.Sum256(body)
	key := "templates/" + hex.EncodeToString(sum[:]) + ".json"
	if _, err := e.clients.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("uploaded template %s: %v", key, err)
	}
	if n, _, _ := e.service(t, "shop"); n != 1 {
		t.Fatalf("service desired count %d", n)
	}
}

// TestMotoKeepsStacksApart runs two stacks side by side: moto's ListChangeSets answers with every stack's
// change sets, so each driver must pick its own by stack ID. (The change sets are the checks after each
// create: moto's events carry no ClientRequestToken to say which spec made the stack.)
func TestMotoKeepsStacksApart(t *testing.T) {
	e := newMotoEnv(t)
	a := motoDesired(t, "cluster.json")
	a.Parameters = nil
	b := a
	b.StackName, b.Owner.UID = "shop-api", "uid-api"
	for _, want := range []stack.Desired{a, b} {
		if res, err := e.d.Sync(context.Background(), want); err != nil || res.Action != stack.ActionCreateStack {
			t.Fatalf("first Sync of %s: %+v, %v", want.StackName, res, err)
		}
	}
	for _, want := range []stack.Desired{a, b} {
		rs := syncUntilStable(t, e.d, want)
		if last := rs[len(rs)-1]; last.Phase != stack.PhaseConverged || last.StackStatus != "CREATE_COMPLETE" {
			t.Fatalf("%s: %v, %+v", want.StackName, actionsOf(rs), last)
		}
		if tags := e.stackTags(t, want.StackName); tags[csv1.TagOwnerUID] != want.Owner.UID {
			t.Errorf("%s tags = %v", want.StackName, tags)
		}
	}
	if e.cf.get("CreateStack") != 2 || e.cf.get("CreateChangeSet") != 2 || e.cf.get("ExecuteChangeSet") != 0 {
		t.Errorf("calls: %v", e.cf.calls)
	}
}
