package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/composestack/composestack/internal/limits"
)

// canary is the content of a file outside the project: no output may ever show it.
const canary = "CANARY-outside-the-project"

// hostile is one hostile project: what the CLI must refuse, and the words the refusal must hold, the first of
// them naming the field or overlay at fault.
type hostile struct {
	name     string
	compose  string
	files    map[string]string // more files in the project directory
	links    map[string]string // symbolic links in the project directory; "OUTSIDE" stands for the outside dir
	overlays []string
	want     []string
}

const web = "services:\n  web:\n    image: nginx\n"

func hostileProjects() []hostile {
	bomb := func(keys, uses int) string {
		var b strings.Builder
		b.WriteString(web + "x-big: &big\n")
		for i := range keys {
			fmt.Fprintf(&b, "  k%d: v\n", i)
		}
		b.WriteString("x-uses:\n")
		for i := range uses {
			fmt.Fprintf(&b, "  u%d: *big\n", i)
		}
		return b.String()
	}
	laughs := web + "x-a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 'b', 'a'; i <= 'j'; i, prev = i+1, i {
		laughs += fmt.Sprintf("x-%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", i, i, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
	}
	manyPorts := web + "    ports:\n"
	for p := 1; p <= 60; p++ {
		manyPorts += fmt.Sprintf("      - %d\n", 1000+p)
	}
	many := func(section, entry string, n int) string {
		var b strings.Builder
		b.WriteString(section + ":\n")
		for i := range n {
			fmt.Fprintf(&b, "  X%d: %s\n", i, entry)
		}
		return b.String()
	}
	svc := func(extra string) string { return web + extra }
	return []hostile{
		// Amplification.
		{name: "port range 1-65535", compose: svc("    ports: ['1-65535:1-65535']\n"), want: []string{"services.web.ports", "names 65535 ports"}},
		{name: "port range from a variable", compose: svc("    ports: ['${R:-1000-2000}:1000-2000']\n"), want: []string{"services.web.ports", "names 1001 ports"}},
		{name: "ranges adding up", compose: "services:\n" + strings.Repeat("", 0) + rangesAddingUp(), want: []string{"ports", "add up to more than a load balancer's 50 listeners"}},
		{name: "60 single ports", compose: manyPorts, want: []string{"services.*.ports", "publishes 60 ports"}},
		{name: "anchor aliased many times", compose: bomb(5000, 40), want: []string{"compose.yaml", "expand it to more than 100000 YAML values"}},
		{name: "billion laughs", compose: laughs, want: []string{"compose.yaml", "expand it to more than 100000 YAML values"}},
		{name: "501 resources", compose: web, overlays: []string{many("Resources", "{Type: AWS::SQS::Queue}", 501)}, want: []string{"--overlay", "Resources, and CloudFormation takes at most 500"}},
		{name: "201 outputs", compose: web, overlays: []string{many("Outputs", "{Value: x}", 201)}, want: []string{"--overlay", "Outputs, and CloudFormation takes at most 200"}},
		// Escape from the project.
		{name: "env_file through a link to a directory outside", compose: svc("    env_file: d/passwd\n"), links: map[string]string{"d": "OUTSIDE"}, want: []string{"service web: env_file", "leaves the project directory, following symbolic links"}},
		{name: "env_file linked outside", compose: svc("    env_file: e.env\n"), links: map[string]string{"e.env": "OUTSIDE/passwd"}, want: []string{"service web: env_file", "leaves the project directory"}},
		{name: "env_file linked to a link outside", compose: svc("    env_file: a.env\n"), links: map[string]string{"a.env": "b.env", "b.env": "OUTSIDE/passwd"}, want: []string{"service web: env_file", "leaves the project directory"}},
		{name: "secret file linked outside", compose: svc("    secrets: [s]\nsecrets:\n  s: {file: s.txt}\n"), links: map[string]string{"s.txt": "OUTSIDE/passwd"}, want: []string{`secret "s": file`, "leaves the project directory"}},
		{name: "label_file linked outside", compose: svc("    label_file: l.txt\n"), links: map[string]string{"l.txt": "OUTSIDE/passwd"}, want: []string{"service web: label_file", "leaves the project directory"}},
		{name: "default .env linked outside", compose: svc("    environment: [A=${A}]\n"), links: map[string]string{".env": "OUTSIDE/passwd"}, want: []string{".env", "leaves the project directory"}},
		{name: "config file linked outside", compose: svc("configs:\n  c: {file: c.txt}\n"), links: map[string]string{"c.txt": "OUTSIDE/passwd"}, want: []string{`config "c": file`, "leaves the project directory"}},
		{name: "include linked outside", compose: "include: [inc.yaml]\n" + web, links: map[string]string{"inc.yaml": "OUTSIDE/passwd"}, want: []string{"inc.yaml", "leaves the project directory"}},
		{name: "extends.file linked outside", compose: svc("    extends: {file: base.yaml, service: web}\n"), links: map[string]string{"base.yaml": "OUTSIDE/passwd"}, want: []string{"base.yaml", "leaves the project directory"}},
		{name: "env_file absolute", compose: svc("    env_file: /etc/passwd\n"), want: []string{"service web: env_file", "not relative to the project directory"}},
		{name: "env_file dot-dot", compose: svc("    env_file: ../passwd\n"), want: []string{"service web: env_file", "leaves the project directory"}},
		{name: "secret file dot-dot", compose: svc("    secrets: [s]\nsecrets:\n  s: {file: ../s.txt}\n"), want: []string{`secret "s": file`, "leaves the project directory"}},
		{name: "env_file home", compose: svc("    env_file: ~/.aws/credentials\n"), want: []string{"service web: env_file", "not relative"}},
		{name: "env_file a directory", compose: svc("    env_file: conf\n"), files: map[string]string{"conf/x": "A=1"}, want: []string{"service web: env_file", "is not a regular file"}},
		{name: "env_file over 1 MiB", compose: svc("    env_file: big.env\n"), files: map[string]string{"big.env": strings.Repeat("#", 1<<20+1)}, want: []string{"service web: env_file", "over the 1048576"}},
		// Templates CloudFormation would reject.
		{name: "service name over 255 characters", compose: "services:\n  " + strings.Repeat("s", 250) + ":\n    image: nginx\n", want: []string{"services.ssss", "CloudFormation takes at most 255"}},
		{name: "NaN cpus", compose: svc("    cpus: NaN\n"), want: []string{"services.web.cpus", "is not a finite number"}},
		{name: "infinite cpus", compose: svc("    cpus: .inf\n"), want: []string{"services.web.cpus", "is not a finite number"}},
		{name: "NaN deploy cpus", compose: svc("    deploy: {resources: {limits: {cpus: 'NaN'}}}\n"), want: []string{"services.web.deploy.resources.limits.cpus", "not a finite number"}},
		{name: "image made invalid by an unset variable", compose: "services:\n  web:\n    image: nginx:${TAG}\n", want: []string{"services.web", `"nginx:" is not a valid image reference`}},
		{name: "image in upper case", compose: "services:\n  web:\n    image: Nginx\n", want: []string{"services.web", "is not a valid image reference"}},
		{name: "overlay deletes a referenced resource", compose: web, overlays: []string{"Resources:\n  LogGroup: null\n"}, want: []string{"--overlay", `"LogGroup" is neither a resource nor a parameter`}},
		{name: "overlay changes a Type", compose: web, overlays: []string{"Resources:\n  Cluster: {Type: AWS::S3::Bucket}\n"}, want: []string{"--overlay", "Resources.Cluster.Type: an overlay changed it"}},
		{name: "overlay Ref to nothing", compose: web, overlays: []string{"Resources:\n  WebService:\n    Properties: {Cluster: !Ref Nope}\n"}, want: []string{"--overlay", `"Nope" is neither a resource nor a parameter`}},
		{name: "overlay GetAtt of nothing", compose: web, overlays: []string{"Outputs:\n  X: {Value: !GetAtt Nope.Arn}\n"}, want: []string{"--overlay", `"Nope" is not a resource`}},
		{name: "overlay DependsOn nothing", compose: web, overlays: []string{"Resources:\n  WebService: {DependsOn: Nope}\n"}, want: []string{"--overlay", `DependsOn: "Nope" is not a resource`}},
		{name: "overlay Sub of nothing", compose: web, overlays: []string{"Outputs:\n  X: {Value: !Sub '${Nope}'}\n"}, want: []string{"--overlay", "${Nope} names nothing"}},
		{name: "overlay Fn::If of no condition", compose: web, overlays: []string{"Resources:\n  WebService:\n    Properties: {DesiredCount: !If [Nope, 1, 2]}\n"}, want: []string{"--overlay", `"Nope" is not a condition`}},
		{name: "overlay logical ID with a dash", compose: web, overlays: []string{"Resources:\n  my-bucket: {Type: AWS::S3::Bucket}\n"}, want: []string{"--overlay", "a logical ID takes only letters and digits"}},
		{name: "overlay listener port 70000", compose: svc("    ports: ['80:80']\n"), overlays: []string{"Resources:\n  WebTCP80Listener:\n    Properties: {Port: 70000}\n"}, want: []string{"--overlay", "Port: 70000 is not a port"}},
		{name: "replicas beyond ECS", compose: svc("    deploy: {replicas: 100000}\n"), want: []string{"services.web", "ECS runs 0 to 5000"}},
		{name: "autoscaling max beyond ECS", compose: svc("    deploy: {x-aws-autoscaling: {min: 1, max: 30000, cpu: 50}}\n"), want: []string{"services.web", "x-aws-autoscaling.max"}},
		{name: "one port published twice", compose: "services:\n  a: {image: nginx, ports: ['80:80']}\n  b: {image: nginx, ports: ['80:81']}\n", want: []string{"services.b.ports", "also published by service a"}},
		// Extensions of the wrong type.
		{name: "x-aws-cluster a mapping", compose: web + "x-aws-cluster: {name: x}\n", want: []string{"x-aws-cluster", "expected a non-empty string, got a mapping"}},
		{name: "x-aws-vpc a list", compose: web + "x-aws-vpc: [a]\n", want: []string{"x-aws-vpc", "expected a non-empty string, got a list"}},
		{name: "x-aws-loadbalancer a number", compose: web + "x-aws-loadbalancer: 3\n", want: []string{"x-aws-loadbalancer", "expected a non-empty string, got 3"}},
		{name: "x-aws-logs_retention text", compose: web + "x-aws-logs_retention: x\n", want: []string{"x-aws-logs_retention", "expected a whole number"}},
		{name: "x-aws-cloudformation a list", compose: web + "x-aws-cloudformation: [1]\n", want: []string{"x-aws-cloudformation", "expected a CloudFormation template fragment"}},
		{name: "x-aws-policies text", compose: svc("    x-aws-policies: arn\n"), want: []string{"services.web.x-aws-policies", "expected a list of managed policy ARNs"}},
		{name: "x-aws-role a list", compose: svc("    x-aws-role: [1]\n"), want: []string{"services.web.x-aws-role", "expected an IAM policy document"}},
		{name: "x-aws-pull_credentials a mapping", compose: svc("    x-aws-pull_credentials: {a: 1}\n"), want: []string{"services.web.x-aws-pull_credentials", "got a mapping"}},
		{name: "x-aws-autoscaling a number", compose: svc("    deploy: {x-aws-autoscaling: 5}\n"), want: []string{"services.web.deploy.x-aws-autoscaling", "expected a mapping"}},
		{name: "x-aws-min_percent text", compose: svc("    deploy: {update_config: {x-aws-min_percent: x}}\n"), want: []string{"x-aws-min_percent", "expected a whole number"}},
		{name: "x-aws-protocol a list", compose: svc("    ports: [{target: 80, x-aws-protocol: [1]}]\n"), want: []string{"services.web.ports[0].x-aws-protocol", "got a list"}},
		{name: "x-aws-securitygroup a list", compose: web + "networks:\n  n: {x-aws-securitygroup: [1]}\n", want: []string{"networks.n.x-aws-securitygroup", "got a list"}},
	}
}

func rangesAddingUp() string {
	var b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&b, "  s%d:\n    image: nginx\n    ports: ['%d-%d']\n", i, 2000+i*10, 2000+i*10+9)
	}
	return b.String()
}

// maxHostileAllocation bounds what refusing one hostile project may allocate. Before the bounds, the port range
// alone cost 2.7 GB.
const maxHostileAllocation = 32 << 20

// TestHostileInputs runs each hostile project through the CLI: it must be refused (exit 1) with a message naming
// the field, at a bounded allocation, without a panic and without showing anything from outside the project.
func TestHostileInputs(t *testing.T) {
	cases := hostileProjects()
	if len(cases) < 40 {
		t.Fatalf("%d hostile inputs; the matrix promises at least 40", len(cases))
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "passwd"), []byte("A="+canary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "p")
			write := func(name, content string) {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			write("compose.yaml", tc.compose)
			for n, c := range tc.files {
				write(n, c)
			}
			for n, target := range tc.links {
				if err := os.Symlink(strings.Replace(target, "OUTSIDE", outside, 1), filepath.Join(dir, n)); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"convert", "--project-name", "p", "-f", filepath.Join(dir, "compose.yaml")}
			for i, o := range tc.overlays {
				name := fmt.Sprintf("overlay%d.yaml", i)
				write(name, o)
				args = append(args, "--overlay", filepath.Join(dir, name))
			}
			var code int
			var out, errOut string
			allocated := limits.AllocatedBytes(func() { code, out, errOut = run(t, args...) })
			if code != 1 {
				t.Fatalf("exit %d, want 1 (refused); stderr:\n%s", code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(out+errOut, canary) || strings.Contains(out+errOut, outside) {
				t.Errorf("output shows what is outside the project:\n%s%s", out, errOut)
			}
			t.Logf("allocated %d KiB", allocated>>10)
			if allocated > maxHostileAllocation {
				t.Errorf("refusing it allocated %d MiB, over %d MiB", allocated>>20, maxHostileAllocation>>20)
			}
		})
	}
}
