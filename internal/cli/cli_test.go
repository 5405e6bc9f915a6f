package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

const fakeKey = "not-a-real-key"

// seedDir copies the seed project (kept in internal/compose/testdata) into a fresh directory and returns the
// directory; tests add or remove files there.
func seedDir(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("..", "compose", "testdata", name)
	dst := filepath.Join(t.TempDir(), "ss-utopia")
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	code = Run(args, &out, &errw)
	return code, out.String(), errw.String()
}

// template decodes YAML or JSON output.
func template(t *testing.T, out string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not YAML/JSON: %v\n%s", err, out)
	}
	return doc
}

func resource(t *testing.T, doc map[string]any, id string) map[string]any {
	t.Helper()
	res, _ := doc["Resources"].(map[string]any)
	r, ok := res[id].(map[string]any)
	if !ok {
		t.Fatalf("template has no resource %s", id)
	}
	return r
}

func checkSeedTemplate(t *testing.T, doc map[string]any) {
	t.Helper()
	props, _ := resource(t, doc, "OrchestratorTCP443Listener")["Properties"].(map[string]any)
	if props["Protocol"] != "TLS" {
		t.Errorf("OrchestratorTCP443Listener Protocol = %v, want TLS from the overlay", props["Protocol"])
	}
	certs, _ := props["Certificates"].([]any)
	if len(certs) != 1 {
		t.Errorf("OrchestratorTCP443Listener Certificates = %v", props["Certificates"])
	}
	if got := resource(t, doc, "Route53RS")["Type"]; got != "AWS::Route53::RecordSet" {
		t.Errorf("Route53RS Type = %v", got)
	}
	resource(t, doc, "ConfigService")
}

func TestConvertSeed(t *testing.T) {
	dir := seedDir(t, "main")
	code, out, errOut := run(t, "convert", "-f", filepath.Join(dir, "docker-compose.yaml"))
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	checkSeedTemplate(t, template(t, out))
	if strings.Contains(out+errOut, fakeKey) {
		t.Error("the sensitive value appears in the output")
	}
	for _, want := range []string{
		"warning: " + filepath.Join(dir, "docker-compose.yaml") + ": the attribute `version` is obsolete",
		"note: the template takes parameters Subnets, VPC",
		"ConfigSensitiveEnvironment",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, "ClusterName: ss-utopia") {
		t.Error("project name is not the directory name ss-utopia")
	}
}

func TestConvertJSONAndNetwork(t *testing.T) {
	dir := seedDir(t, "main")
	code, out, errOut := run(t, "convert", "--format", "json", "-f", filepath.Join(dir, "docker-compose.yaml"),
		"--project-name", "utopia", "--vpc", "vpc-0123", "--subnet", "subnet-a", "--subnet", "subnet-b", "--no-public-ip", "--internal-lb")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--format json output is not JSON: %v", err)
	}
	checkSeedTemplate(t, doc)
	params, _ := doc["Parameters"].(map[string]any)
	if _, ok := params["VPC"]; ok {
		t.Error("VPC parameter present although --vpc was given")
	}
	if strings.Contains(errOut, "takes parameters Subnets") {
		t.Errorf("stderr asks for network parameters although they were given:\n%s", errOut)
	}
	lb, _ := resource(t, doc, "LoadBalancer")["Properties"].(map[string]any)
	if lb["Scheme"] != "internal" {
		t.Errorf("LoadBalancer Scheme = %v, want internal", lb["Scheme"])
	}
	if !strings.Contains(out, `"subnet-b"`) || !strings.Contains(out, `"DISABLED"`) || !strings.Contains(out, `"utopia"`) {
		t.Error("subnets, public IP setting or project name missing from the template")
	}
}

// TestConvertAsNetworkRef renders what spec.network.networkRef deploys: tasks in a network's private subnets, the
// load balancer in its public ones.
func TestConvertAsNetworkRef(t *testing.T) {
	dir := seedDir(t, "main")
	code, out, errOut := run(t, "convert", "--format", "json", "-f", filepath.Join(dir, "docker-compose.yaml"),
		"--vpc-import", "net-VpcId", "--subnet-import", "net-PrivateSubnet1", "--subnet-import", "net-PrivateSubnet2",
		"--lb-subnet-import", "net-PublicSubnet1", "--lb-subnet-import", "net-PublicSubnet2", "--no-public-ip")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	lb, _ := resource(t, doc, "LoadBalancer")["Properties"].(map[string]any)
	subnets, _ := json.Marshal(lb["Subnets"])
	if lb["Scheme"] != "internet-facing" || string(subnets) != `[{"Fn::ImportValue":"net-PublicSubnet1"},{"Fn::ImportValue":"net-PublicSubnet2"}]` {
		t.Errorf("load balancer %v in %s, want internet-facing in the public subnets", lb["Scheme"], subnets)
	}
	if strings.Contains(out, `"ENABLED"`) || strings.Count(out, `"Fn::ImportValue": "net-PrivateSubnet1"`) < 2 {
		t.Errorf("the services are not all in the private subnets without public IPs:\n%s", out)
	}
}

func TestConvertOptions(t *testing.T) {
	dir := seedDir(t, "main")
	overlay := filepath.Join(dir, "extra.yaml")
	if err := os.WriteFile(overlay, []byte("Outputs:\n  Dns:\n    Value: !GetAtt LoadBalancer.DNSName\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "convert", "-f", filepath.Join(dir, "docker-compose.yaml"),
		"--image", "eureka=registry.example.com/eureka:9", "--overlay", overlay, "--secret-file", filepath.Join(dir, "eureka.env"))
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if !strings.Contains(out, "registry.example.com/eureka:9") {
		t.Error("--image not applied")
	}
	doc := template(t, out)
	outputs, _ := doc["Outputs"].(map[string]any)
	if _, ok := outputs["Dns"]; !ok {
		t.Error("--overlay not applied")
	}
	// eureka.env is now sensitive: its values must leave the template.
	if strings.Contains(out, "netflix:eureka@eureka") {
		t.Error("a value of a --secret-file appears in the template")
	}
}

func TestConvertVariables(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("compose.yaml", "name: Demo.App-${STAGE:-x}\nservices:\n  web:\n    image: nginx:${TAG:-latest}\n    ports: [\"80:80\"]\n"+
		"  debug:\n    image: busybox:debug\n    profiles: [debug]\n")
	write(".env", "TAG=1.25\nCOMPOSE_PROFILES=debug\n")
	write("prod.env", "TAG=1.27\n")
	t.Chdir(dir)

	code, out, errOut := run(t, "convert")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if !strings.Contains(out, "nginx:1.25") {
		t.Error("default .env next to the compose file not used for interpolation")
	}
	if !strings.Contains(out, "ClusterName: demoapp-x") {
		t.Error("project name not taken from the compose file's name:")
	}
	if !strings.Contains(out, "busybox:debug") {
		t.Error("COMPOSE_PROFILES from .env not applied")
	}
	code, out, errOut = run(t, "convert", "--env-file", "prod.env", "-p", "other")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if !strings.Contains(out, "nginx:1.27") || !strings.Contains(out, "ClusterName: other") {
		t.Error("--env-file or -p not applied")
	}
	if strings.Contains(out, "busybox:debug") {
		t.Error("the default .env was read although --env-file was given")
	}
}

// As with docker compose, the process environment wins over .env and --env-file, and ${VAR} in an env file sees it.
func TestConvertProcessEnvironment(t *testing.T) {
	dir := t.TempDir()
	writeProject(t, dir, map[string]string{
		"compose.yaml": "services:\n  web:\n    image: nginx:${TAG:-latest}\n    environment:\n      REGION: ${REGION}\n",
		".env":         "TAG=1.25\nREGION=eu-${ZONE}\n",
		"ci.env":       "TAG=1.26\n",
	})
	t.Chdir(dir)
	t.Setenv("ZONE", "west-1")
	code, out, errOut := run(t, "convert")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if !strings.Contains(out, "nginx:1.25") || !strings.Contains(out, "eu-west-1") {
		t.Errorf(".env with ${ZONE} from the process environment not applied:\n%s", out)
	}
	t.Setenv("TAG", "sha-abc123")
	for _, args := range [][]string{{"convert"}, {"convert", "--env-file", "ci.env"}} {
		code, out, errOut = run(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d, stderr:\n%s", args, code, errOut)
		}
		if !strings.Contains(out, "nginx:sha-abc123") {
			t.Errorf("%v: TAG from the process environment does not override the env file", args)
		}
	}
}

// A host directory is refused with the name of the opt-in, and stored on EFS with it.
func TestConvertEFSBindMount(t *testing.T) {
	dir := t.TempDir()
	compose := "services:\n  media:\n    image: jellyfin/jellyfin:10.9.11\n    volumes:\n      - /srv/media:/media\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	code, _, errOut := run(t, "convert")
	if code == 0 || !strings.Contains(errOut, "--efs-bind-mount /srv/media") {
		t.Errorf("exit %d, want a refusal naming --efs-bind-mount; stderr:\n%s", code, errOut)
	}
	for _, flag := range []string{"/srv/media", "*"} {
		code, out, errOut := run(t, "convert", "--efs-bind-mount", flag)
		if code != 0 {
			t.Fatalf("--efs-bind-mount %s: exit %d, stderr:\n%s", flag, code, errOut)
		}
		resource(t, template(t, out), "SrvmediaFilesystem")
		if !strings.Contains(errOut, `stored on the EFS file system of volume "srv_media"`) {
			t.Errorf("--efs-bind-mount %s: no warning about the EFS volume; stderr:\n%s", flag, errOut)
		}
	}
}

// include: and extends.file are read from the project directory, with paths relative to the file that names them.
func TestConvertIncludeAndExtends(t *testing.T) {
	dir := t.TempDir()
	writeProject(t, dir, map[string]string{
		"compose.yaml":        "include: [db/compose.yaml]\nservices:\n  web:\n    extends: {file: common/base.yaml, service: web}\n    ports: [\"80:80\"]\n",
		"db/compose.yaml":     "services:\n  db:\n    image: postgres:16\n    env_file: db.env\n",
		"db/db.env":           "POSTGRES_DB=shop\n",
		"common/base.yaml":    "services:\n  web:\n    image: nginx:1.27\n    env_file: web.env\n",
		"common/web.env":      "FROM_BASE=yes\n",
		"escape/compose.yaml": "include: [../../outside.yaml]\nservices: {a: {image: nginx}}\n",
	})
	t.Chdir(dir)
	code, out, errOut := run(t, "convert")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"postgres:16", "POSTGRES_DB", "nginx:1.27", "FROM_BASE"} {
		if !strings.Contains(out, want) {
			t.Errorf("template lacks %s: include or extends.file not followed", want)
		}
	}
	t.Chdir(filepath.Join(dir, "escape"))
	if code, _, errOut := run(t, "convert"); code == 0 || !strings.Contains(errOut, "leaves the project directory") {
		t.Errorf("include outside the project: exit %d, stderr:\n%s", code, errOut)
	}
}

// The CLI lists every blocking problem of a run, each on its line with its service and field.
func TestConvertListsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	compose := "services:\n  web:\n    image: nginx\n    volumes: [\"./nginx.conf:/etc/nginx/nginx.conf\"]\n  worker:\n    image: busybox\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	code, _, errOut := run(t, "convert")
	if code == 0 || !strings.Contains(errOut, "2 problems:\n  services.web.volumes[0]") || !strings.Contains(errOut, "\n  services.worker.volumes[0]") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
}

// Without -f, COMPOSE_FILE chooses the compose files, from the process environment or the .env file here.
func TestConvertComposeFileVariable(t *testing.T) {
	dir := t.TempDir()
	writeProject(t, dir, map[string]string{
		"compose.yaml":  "services:\n  web:\n    image: nginx:default\n",
		"base.yaml":     "services:\n  web:\n    image: nginx:base\n",
		"override.yaml": "services:\n  web:\n    environment: {FROM_OVERRIDE: \"1\"}\n",
		".env":          "COMPOSE_FILE=base.yaml\n",
	})
	t.Chdir(dir)
	code, out, errOut := run(t, "convert")
	if code != 0 || !strings.Contains(out, "nginx:base") {
		t.Fatalf("COMPOSE_FILE from .env not used: exit %d, stderr:\n%s", code, errOut)
	}
	t.Setenv("COMPOSE_FILE", "base.yaml:override.yaml")
	code, out, errOut = run(t, "convert")
	if code != 0 || !strings.Contains(out, "nginx:base") || !strings.Contains(out, "FROM_OVERRIDE") {
		t.Fatalf("COMPOSE_FILE from the process environment not used: exit %d, stderr:\n%s", code, errOut)
	}
	if code, out, _ = run(t, "convert", "-f", "compose.yaml"); code != 0 || !strings.Contains(out, "nginx:default") {
		t.Error("-f does not win over COMPOSE_FILE")
	}
}

func TestConvertErrors(t *testing.T) {
	dir := seedDir(t, "main")
	composeFile := filepath.Join(dir, "docker-compose.yaml")
	noSecret := seedDir(t, "main")
	if err := os.RemoveAll(filepath.Join(noSecret, ".secret")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no command", nil, []string{"Usage:", "composestack [command]", "Available Commands:"}},
		{"unknown command", []string{"up"}, []string{`unknown command "up"`}},
		{"unknown flag", []string{"convert", "--bogus"}, []string{"unknown flag: --bogus", "Run 'composestack convert --help' for usage."}},
		{"bad format", []string{"convert", "-f", composeFile, "--format", "xml"}, []string{`--format "xml"`}},
		{"bad image flag", []string{"convert", "-f", composeFile, "--image", "eureka"}, []string{`"eureka" is not service=image`}},
		{"positional argument", []string{"convert", composeFile}, []string{"unexpected argument"}},
		{"missing compose file", []string{"convert", "-f", filepath.Join(dir, "nope.yaml")}, []string{"compose file", "nope.yaml", "no such file"}},
		{"no compose file here", []string{"convert"}, []string{"no compose file in the current directory"}},
		{"bad project name", []string{"convert", "-f", composeFile, "-p", "Bad Name"}, []string{`project name "Bad Name" is not valid`}},
		{"bad file-system flag", []string{"convert", "-f", composeFile, "--file-system", "data"}, []string{`"data" is not volume=fs-id`}},
		{"unknown image service", []string{"convert", "-f", composeFile, "--image", "nope=nginx"}, []string{`service "nope"`}},
		{"missing secret env file", []string{"convert", "-f", filepath.Join(noSecret, "docker-compose.yaml")},
			[]string{"service config", ".secret/spring_config_encrypt_key.env", "next to the compose file"}},
		{"unused secret file flag", []string{"convert", "-f", composeFile, "--secret-file", "nope.env"}, []string{"--secret-file nope.env", "eureka.env"}},
		{"missing overlay", []string{"convert", "-f", composeFile, "--overlay", filepath.Join(dir, "nope.yaml")}, []string{"--overlay"}},
		{"bad overlay", []string{"convert", "-f", composeFile, "--overlay", composeFile}, []string{"--overlay " + composeFile + ": ", "not a CloudFormation template section"}},
		{"missing env file", []string{"convert", "-f", composeFile, "--env-file", filepath.Join(dir, "nope.env")}, []string{"--env-file", "nope.env"}},
		{"version with arguments", []string{"version", "x"}, []string{"version takes no arguments"}},
	}
	t.Chdir(t.TempDir())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.args...)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing on error", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(errOut, fakeKey) {
				t.Error("the sensitive value appears in stderr")
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "composestack ") {
		t.Errorf("version: exit %d, stdout %q", code, out)
	}
	if code, flag, _ := run(t, "--version"); code != 0 || flag != out {
		t.Errorf("--version: exit %d, stdout %q; want %q", code, flag, out)
	}
	code, out, _ = run(t, "help")
	if code != 0 || !strings.Contains(out, "convert") {
		t.Errorf("help: exit %d, stdout %q", code, out)
	}
	// Help asked for is output, as with docker and kubectl: on stdout, so it can be paged.
	code, out, _ = run(t, "convert", "-h")
	if code != 0 || !strings.Contains(out, "--vpc ID") || !strings.Contains(out, "-f, --file file") {
		t.Errorf("convert -h: exit %d, stdout %q", code, out)
	}
}

// Each command's help shows how to call it, with examples, on stdout.
func TestHelpShowsExamples(t *testing.T) {
	for _, command := range []string{"convert", "convert network", "diagram", "diff", "version", "completion"} {
		t.Run(command, func(t *testing.T) {
			code, out, errOut := run(t, append(strings.Fields(command), "--help")...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			_, examples, ok := strings.Cut(out, "\nExamples:\n")
			if !ok || !strings.Contains(examples, "  composestack "+command) {
				t.Errorf("no example of composestack %s in:\n%s", command, out)
			}
			// The examples call flags that exist. They end at the next section, whose lines are not indented.
			var lines []string
			for _, line := range strings.Split(examples, "\n") {
				if line != "" && !strings.HasPrefix(line, " ") {
					break
				}
				lines = append(lines, line)
			}
			for _, line := range lines {
				_, call, ok := strings.Cut(line, "composestack ")
				if !ok || strings.HasPrefix(strings.TrimSpace(line), "#") {
					continue
				}
				root := newRootCommand(nil)
				root.InitDefaultVersionFlag() // added by Execute, which the example is not run through
				cmd, rest, err := root.Find(shellWords(call))
				if err == nil {
					err = cmd.ParseFlags(rest)
				}
				if err != nil {
					t.Errorf("example %q: %v", line, err)
				}
			}
		})
	}
}

// A misspelt command or flag fails with a message naming it and where to look, and prints nothing on stdout.
func TestUnknownCommandsAndFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"conver"}, []string{`unknown command "conver" for "composestack"`, "Did you mean this?", "convert", "Run 'composestack --help' for usage."}},
		{[]string{"--bogus"}, []string{"unknown flag: --bogus", "Run 'composestack --help' for usage."}},
		{[]string{"convert", "-x"}, []string{"unknown shorthand flag: 'x' in -x", "Run 'composestack convert --help' for usage."}},
		{[]string{"diff", "--file-sys", "a=fs-1"}, []string{"unknown flag: --file-sys", "Run 'composestack diff --help' for usage."}},
		{[]string{"version", "--short"}, []string{"unknown flag: --short", "Run 'composestack version --help' for usage."}},
		{[]string{"diagram", "--format"}, []string{"flag needs an argument: --format"}},
		{[]string{"diff", "--timeout", "soon"}, []string{`invalid argument "soon" for "--timeout"`}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, tc.args...)
			if code != 1 || out != "" {
				t.Errorf("exit %d, stdout %q; want 1 and nothing", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestConvertHelperFlags(t *testing.T) {
	dir := seedDir(t, "main")
	compose := filepath.Join(dir, "docker-compose.yaml")
	const mirror = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ecr-public/docker/library/busybox:1.37.0"
	for _, tc := range []struct {
		flags       []string
		want, never string
	}{
		{nil, "public.ecr.aws/docker/library/busybox@sha256:", "docker/ecs-"},
		{[]string{"--helper-image", mirror}, mirror, "public.ecr.aws"},
		{[]string{"--docker-compatible-helpers"}, "docker/ecs-searchdomain-sidecar:1.0", "busybox"},
	} {
		t.Run(strings.Join(tc.flags, " "), func(t *testing.T) {
			code, out, errOut := run(t, append([]string{"convert", "-f", compose}, tc.flags...)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			if !strings.Contains(out, tc.want) || strings.Contains(out, tc.never) {
				t.Errorf("the template should name %q and never %q", tc.want, tc.never)
			}
		})
	}
}

// --file-system mounts a file system an earlier stack retained instead of creating one.
func TestConvertFileSystem(t *testing.T) {
	dir := t.TempDir()
	compose := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(compose, []byte("services:\n  db:\n    image: postgres:16\n    volumes: [data:/var/lib/postgresql/data]\nvolumes:\n  data: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "convert", "--format", "json", "-f", compose, "--project-name", "db", "--file-system", "data=fs-0abc")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	doc := template(t, out)
	if _, ok := doc["Resources"].(map[string]any)["DataFilesystem"]; ok {
		t.Error("a file system is created although --file-system names one")
	}
	ap, _ := resource(t, doc, "DataAccessPoint")["Properties"].(map[string]any)
	if ap["FileSystemId"] != "fs-0abc" {
		t.Errorf("access point on %v, want fs-0abc", ap["FileSystemId"])
	}
}

// Bind-mounted project files and directories are read from the project directory, every file under a
// directory, and delivered by the configs helper; a link out of the project is refused, as for other files.
func TestConvertConfigFiles(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	compose := "services:\n  web:\n    image: nginx\n    volumes:\n      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro\n  prom:\n    image: prom/prometheus\n    volumes:\n      - ./prometheus:/etc/prometheus\n"
	writeProject(t, dir, map[string]string{
		"compose.yaml":                      compose,
		"nginx/default.conf":                "server { listen 80; }\n",
		"prometheus/prometheus.yml":         "global: {}\n",
		"prometheus/rules/alerts.rules.yml": "groups: []\n",
	})
	t.Chdir(dir)
	code, out, errOut := run(t, "convert")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"Web_Configs_InitContainer", "server { listen 80; }", "/.composestack-configs/config1/rules/alerts.rules.yml", "groups: []"} {
		if !strings.Contains(out, want) {
			t.Errorf("template does not hold %q", want)
		}
	}
	if !strings.Contains(errOut, "directory ./prometheus (2 files) is copied into the task at /etc/prometheus") {
		t.Errorf("no warning for the directory; stderr:\n%s", errOut)
	}

	if err := os.WriteFile(filepath.Join(outside, "passwd"), []byte("root:x:0:0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(dir, "prometheus", "leak.yml")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "convert")
	if code == 0 || strings.Contains(out, "root:x") || !strings.Contains(errOut, "bind mount of ./prometheus") || !strings.Contains(errOut, "leaves the project directory") {
		t.Errorf("link out of the project: exit %d, stderr:\n%s", code, errOut)
	}
}

// A file under .secret/ is sensitive: mounted as a config file it would be written into the template, so it is
// refused.
func TestConvertRefusesSecretConfigFile(t *testing.T) {
	dir := t.TempDir()
	writeProject(t, dir, map[string]string{
		"compose.yaml":     "services:\n  web:\n    image: nginx\n    volumes:\n      - ./.secret/tls.conf:/etc/nginx/conf.d/tls.conf:ro\n",
		".secret/tls.conf": "ssl_password hunter2;\n",
	})
	t.Chdir(dir)
	code, out, errOut := run(t, "convert")
	if code != 1 || strings.Contains(out+errOut, "hunter2") || !strings.Contains(errOut, ".secret/tls.conf is a sensitive supporting file") {
		t.Errorf("exit %d, stdout %d bytes, stderr:\n%s", code, len(out), errOut)
	}
}

// writeProject writes files, by slash-separated path, into the project directory dir.
func writeProject(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
