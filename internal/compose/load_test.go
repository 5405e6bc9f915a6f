package compose

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

const fakeKey = "not-a-real-key"

// seed returns the Source of a seed project copied into testdata: its compose file, its env files, and the
// made-up .secret file marked sensitive.
func seed(t testing.TB, dir string) Source {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	envFile := map[string]string{"main": "./eureka.env", "dev": "./profile.env"}[dir]
	return Source{
		ProjectName: "ss-utopia",
		Files:       []File{{Name: "docker-compose.yaml", Content: read("docker-compose.yaml")}},
		Supporting: []File{
			{Name: envFile, Content: read(envFile)},
			{Name: "./.secret/spring_config_encrypt_key.env", Content: read(".secret/spring_config_encrypt_key.env"), Sensitive: true},
		},
	}
}

func load(t *testing.T, src Source) *Loaded {
	t.Helper()
	l, err := Load(context.Background(), src)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return l
}

func env(t *testing.T, p *types.Project, service string) map[string]string {
	t.Helper()
	svc, ok := p.Services[service]
	if !ok {
		t.Fatalf("no service %q in %v", service, slices.Sorted(maps.Keys(p.Services)))
	}
	out := map[string]string{}
	for k, v := range svc.Environment {
		if v == nil {
			out[k] = "<nil>"
			continue
		}
		out[k] = *v
	}
	return out
}

func TestLoadSeedMain(t *testing.T) {
	l := load(t, seed(t, "main"))
	p := l.Project
	if p.Name != "ss-utopia" {
		t.Errorf("project name = %q", p.Name)
	}
	want := []string{"auth", "config", "customers", "eureka", "flights", "orchestrator", "tickets"}
	if got := slices.Sorted(maps.Keys(p.Services)); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("services = %v, want %v", got, want)
	}
	// eureka.env has CRLF line endings and dotted Spring keys: values must come out without the \r.
	cfg := env(t, p, "config")
	for k, v := range map[string]string{
		"eureka.client.serviceUrl.defaultZone": "http://netflix:eureka@eureka:8761/eureka/",
		"eureka.instance.prefer-ip-address":    "true",
		"SPRING_PROFILES_ACTIVE":               "rds-dev,ecs",
	} {
		if cfg[k] != v {
			t.Errorf("config env %s = %q, want %q", k, cfg[k], v)
		}
	}
	if _, leaked := cfg["ENCRYPT_KEY"]; leaked {
		t.Error("ENCRYPT_KEY from the sensitive file is left in the config service's environment")
	}
	if got := l.SensitiveEnv["config"]["ENCRYPT_KEY"]; got != fakeKey {
		t.Errorf("SensitiveEnv[config][ENCRYPT_KEY] = %q, want %q", got, fakeKey)
	}
	if len(l.SensitiveEnv) != 1 {
		t.Errorf("SensitiveEnv = %v, want only the config service", slices.Sorted(maps.Keys(l.SensitiveEnv)))
	}
	if len(p.Services["config"].EnvFiles) != 0 {
		t.Error("env_file entries are left in the service after being resolved")
	}
	if got := env(t, p, "orchestrator")["SPRING_PROFILES_ACTIVE"]; got != "rds-dev,ecs" {
		t.Errorf("orchestrator SPRING_PROFILES_ACTIVE = %q", got)
	}
	if _, ok := p.Extensions["x-aws-cloudformation"]; !ok {
		t.Error("x-aws-cloudformation extension lost")
	}
	if string(l.Files["eureka.env"]) == "" || string(l.Files[".secret/spring_config_encrypt_key.env"]) == "" {
		t.Errorf("Files keys = %v, want cleaned relative paths", slices.Sorted(maps.Keys(l.Files)))
	}
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0], "`version` is obsolete") {
		t.Errorf("Warnings = %q, want the obsolete version warning", l.Warnings)
	}
	deps := p.Services["orchestrator"].DependsOn
	if _, ok := deps["tickets"]; !ok || len(deps) != 4 {
		t.Errorf("orchestrator depends_on = %v", deps)
	}
}

func TestLoadSeedDev(t *testing.T) {
	l := load(t, seed(t, "dev"))
	if got := env(t, l.Project, "utopia-orchestrator-service")["SPRING_PROFILES_ACTIVE"]; got != "local-h2,ecs" {
		t.Errorf("SPRING_PROFILES_ACTIVE = %q, want local-h2,ecs (profile.env has no final newline)", got)
	}
	if got := l.SensitiveEnv["utopia-config-service"]["ENCRYPT_KEY"]; got != fakeKey {
		t.Errorf("SensitiveEnv = %v", l.SensitiveEnv)
	}
	if len(l.Project.Services) != 6 {
		t.Errorf("services = %v", slices.Sorted(maps.Keys(l.Project.Services)))
	}
}

// compose builds a Source from one inline compose file and inline supporting files.
func compose(yaml string, supporting ...File) Source {
	return Source{ProjectName: "demo", Files: []File{{Name: "compose.yaml", Content: []byte(yaml)}}, Supporting: supporting}
}

func TestLoadEnvironment(t *testing.T) {
	tests := []struct {
		name      string
		src       Source
		service   string
		want      map[string]string
		sensitive map[string]string
	}{
		{
			name: "dotenv syntax: quotes, export, comments, escapes, CRLF",
			src: compose("services:\n  app:\n    image: nginx\n    env_file: app.env\n", File{Name: "app.env", Content: []byte(
				"# comment\r\nexport A=1\r\nB=\"two words\"\r\nC='single $A'\r\nD=plain # inline comment\r\nE=\"line\\nbreak\"\r\nF=${A}-x\r\nspring.datasource.url=jdbc:mysql://db:3306/x?a=b\r\nEMPTY=\r\n")}),
			service: "app",
			want: map[string]string{"A": "1", "B": "two words", "C": "single $A", "D": "plain", "E": "line\nbreak", "F": "1-x",
				"spring.datasource.url": "jdbc:mysql://db:3306/x?a=b", "EMPTY": ""},
		},
		{
			name: "environment wins over env_file, later env_file over earlier",
			src: compose("services:\n  app:\n    image: nginx\n    env_file: [a.env, b.env]\n    environment:\n      X: explicit\n",
				File{Name: "a.env", Content: []byte("X=a\nY=a\nZ=a\n")}, File{Name: "b.env", Content: []byte("Y=b\n")}),
			service: "app",
			want:    map[string]string{"X": "explicit", "Y": "b", "Z": "a"},
		},
		{
			name: "environment overriding a sensitive variable publishes it",
			src: compose("services:\n  app:\n    image: nginx\n    env_file: .secret/k.env\n    environment: [KEY=public]\n",
				File{Name: ".secret/k.env", Content: []byte("KEY=" + fakeKey + "\nOTHER=hidden\n"), Sensitive: true}),
			service:   "app",
			want:      map[string]string{"KEY": "public"},
			sensitive: map[string]string{"OTHER": "hidden"},
		},
		{
			name: "a later plain file overriding a sensitive variable publishes it",
			src: compose("services:\n  app:\n    image: nginx\n    env_file: [.secret/k.env, plain.env]\n",
				File{Name: ".secret/k.env", Content: []byte("KEY=" + fakeKey + "\n"), Sensitive: true},
				File{Name: "plain.env", Content: []byte("KEY=public\n")}),
			service: "app",
			want:    map[string]string{"KEY": "public"},
		},
		{
			name: "a plain value expanded from a sensitive one is sensitive",
			src: compose("services:\n  app:\n    image: nginx\n    env_file: [.secret/k.env, plain.env]\n",
				File{Name: ".secret/k.env", Content: []byte("KEY=" + fakeKey + "\n"), Sensitive: true},
				File{Name: "plain.env", Content: []byte("URL=https://user:${KEY}@host\nNAME=app\n")}),
			service:   "app",
			want:      map[string]string{"NAME": "app"},
			sensitive: map[string]string{"KEY": fakeKey, "URL": "https://user:" + fakeKey + "@host"},
		},
		{
			name:    "key-only entries come from the variables",
			src:     withVars(compose("services:\n  app:\n    image: nginx\n    environment: [FROM_VARS, UNSET]\n"), map[string]string{"FROM_VARS": "v"}),
			service: "app",
			want:    map[string]string{"FROM_VARS": "v", "UNSET": "<nil>"},
		},
		{
			name: "raw env_file: values as written, bare keys from the variables",
			src: withVars(compose("services:\n  app:\n    image: nginx\n    env_file:\n      - path: app.env\n        format: raw\n",
				File{Name: "app.env", Content: []byte("\xEF\xBB\xBF# comment\r\n  QUOTED=\"two words\"\r\nDOLLAR=pa$$word${X}\nTRAILING=a \n\nFROM_VARS\nUNSET\nEMPTY=\n")}),
				map[string]string{"FROM_VARS": "v"}),
			service: "app",
			want: map[string]string{"QUOTED": `"two words"`, "DOLLAR": "pa$$word${X}", "TRAILING": "a ", "FROM_VARS": "v",
				"EMPTY": ""},
		},
		{
			name:    "optional env file may be missing",
			src:     compose("services:\n  app:\n    image: nginx\n    env_file:\n      - path: ./missing.env\n        required: false\n      - ok.env\n", File{Name: "ok.env", Content: []byte("OK=1")}),
			service: "app",
			want:    map[string]string{"OK": "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := load(t, tt.src)
			got := env(t, l.Project, tt.service)
			if !equalMaps(got, tt.want) {
				t.Errorf("environment = %v, want %v", got, tt.want)
			}
			if !equalMaps(l.SensitiveEnv[tt.service], tt.sensitive) {
				t.Errorf("sensitive = %v, want %v", l.SensitiveEnv[tt.service], tt.sensitive)
			}
		})
	}
}

func withVars(src Source, vars map[string]string) Source {
	src.Variables = vars
	return src
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestLoadRawEnvFileErrors(t *testing.T) {
	for content, want := range map[string]string{
		"A=1\n=value\n":  "line 2 has no variable name",
		"MY VAR=value\n": "line 1: the variable name contains white space",
		"A=\xff\n":       "line 1 is not valid UTF-8",
	} {
		_, err := Load(context.Background(), compose("services:\n  app:\n    image: nginx\n    env_file:\n      - path: app.env\n        format: raw\n",
			File{Name: "app.env", Content: []byte(content)}))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `env_file "app.env"`) {
			t.Errorf("%q: error %v, want one naming the env file and saying %q", content, err, want)
		}
	}
}

func TestLoadInterpolation(t *testing.T) {
	const file = "services:\n  app:\n    image: repo/app:${TAG:-latest}\n    environment:\n      LEVEL: ${LEVEL}\n      COST: $$5\n"
	l := load(t, compose(file))
	if got := l.Project.Services["app"].Image; got != "repo/app:latest" {
		t.Errorf("image = %q, want the default tag", got)
	}
	if got := env(t, l.Project, "app"); got["LEVEL"] != "" || got["COST"] != "$5" {
		t.Errorf("environment = %v", got)
	}
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0], `"LEVEL" variable is not set`) {
		t.Errorf("Warnings = %q, want one for LEVEL only (TAG has a default)", l.Warnings)
	}

	l = load(t, withVars(compose(file), map[string]string{"TAG": "1.2", "LEVEL": "debug"}))
	if got := l.Project.Services["app"].Image; got != "repo/app:1.2" {
		t.Errorf("image = %q", got)
	}
	if len(l.Warnings) != 0 {
		t.Errorf("Warnings = %q, want none", l.Warnings)
	}
	if got := env(t, l.Project, "app")["LEVEL"]; got != "debug" {
		t.Errorf("LEVEL = %q", got)
	}
}

func TestLoadProfiles(t *testing.T) {
	const file = "services:\n  app:\n    image: nginx\n  debug:\n    image: busybox\n    profiles: [debug]\n    env_file: .secret/d.env\n"
	secret := File{Name: ".secret/d.env", Content: []byte("TOKEN=" + fakeKey), Sensitive: true}
	l := load(t, compose(file, secret))
	if _, ok := l.Project.Services["debug"]; ok {
		t.Error("service with an unselected profile is enabled")
	}
	if _, ok := l.Project.DisabledServices["debug"]; !ok {
		t.Error("service with an unselected profile is not listed as disabled")
	}
	if len(l.SensitiveEnv) != 0 {
		t.Errorf("SensitiveEnv = %v, want nothing for a disabled service", l.SensitiveEnv)
	}
	src := compose(file, secret)
	src.Profiles = []string{"debug"}
	l = load(t, src)
	if _, ok := l.Project.Services["debug"]; !ok {
		t.Error("service with a selected profile is disabled")
	}
	if l.SensitiveEnv["debug"]["TOKEN"] != fakeKey {
		t.Errorf("SensitiveEnv = %v", l.SensitiveEnv)
	}
}

func TestLoadMergesFiles(t *testing.T) {
	src := seed(t, "main")
	src.Files = append(src.Files, File{Name: "docker-compose.prod.yaml", Content: []byte(
		"services:\n  eureka:\n    image: registry.example.com/eureka:2.0\n    environment:\n      ADDED: yes\n  extra:\n    image: nginx\n    ports: [\"80:80\"]\n")})
	l := load(t, src)
	p := l.Project
	if got := p.Services["eureka"].Image; got != "registry.example.com/eureka:2.0" {
		t.Errorf("eureka image = %q, want the override's", got)
	}
	if got := env(t, p, "eureka")["ADDED"]; got != "yes" {
		t.Errorf("eureka ADDED = %q", got)
	}
	if len(p.Services["eureka"].Ports) != 1 || p.Services["eureka"].Ports[0].Target != 8761 {
		t.Errorf("eureka ports = %v, want the base file's port kept", p.Services["eureka"].Ports)
	}
	if _, ok := p.Services["extra"]; !ok {
		t.Error("service added by the second file missing")
	}
}

func TestLoadImages(t *testing.T) {
	const file = "services:\n  built:\n    build: .\n  app:\n    image: nginx:1\n"
	src := compose(file)
	src.Images = map[string]string{"built": "123.dkr.ecr.us-east-1.amazonaws.com/built@sha256:" + strings.Repeat("a", 64), "app": "nginx:2"}
	l := load(t, src)
	if got := l.Project.Services["built"].Image; !strings.HasSuffix(got, strings.Repeat("a", 64)) {
		t.Errorf("built image = %q", got)
	}
	if got := l.Project.Services["app"].Image; got != "nginx:2" {
		t.Errorf("app image = %q", got)
	}

	// Without the override the build-only service is still valid for compose-go (it has a build section).
	if _, err := Load(context.Background(), compose(file)); err != nil {
		t.Errorf("Load without images: %v", err)
	}
}

func TestLoadSecretsAndLabels(t *testing.T) {
	const file = `services:
  app:
    image: nginx
    secrets: [db]
    label_file: ./labels.txt
    labels:
      explicit: "1"
secrets:
  db:
    file: ./secrets//db.txt
  unused:
    file: ./nowhere.txt
`
	l := load(t, compose(file, File{Name: "secrets/db.txt", Content: []byte("pw")}, File{Name: "labels.txt", Content: []byte("team=core\nexplicit=0\n")}))
	if got := l.Project.Secrets["db"].File; got != "secrets/db.txt" {
		t.Errorf("secret file = %q, want the cleaned key of Files", got)
	}
	if string(l.Files["secrets/db.txt"]) != "pw" {
		t.Errorf("Files = %v", slices.Sorted(maps.Keys(l.Files)))
	}
	labels := l.Project.Services["app"].Labels
	if labels["team"] != "core" || labels["explicit"] != "1" {
		t.Errorf("labels = %v, want label_file values overridden by labels", labels)
	}
}

func TestLoadErrors(t *testing.T) {
	secret := File{Name: ".secret/k.env", Content: []byte("KEY=\"" + fakeKey + "\n"), Sensitive: true}
	tests := []struct {
		name    string
		src     Source
		wantErr []string
	}{
		{"no project name", Source{Files: []File{{Name: "c.yaml", Content: []byte("services: {}")}}}, []string{"project name is empty"}},
		{"bad project name", Source{ProjectName: "My App", Files: []File{{Name: "c.yaml"}}}, []string{`"My App"`, "lower-case"}},
		{"no files", Source{ProjectName: "x"}, []string{"no compose file"}},
		{"unnamed file", Source{ProjectName: "x", Files: []File{{Content: []byte("services: {}")}}}, []string{"compose file 1 has no name"}},
		{"file twice", Source{ProjectName: "x", Files: []File{{Name: "a.yaml"}, {Name: "a.yaml"}}}, []string{`"a.yaml" is given twice`}},
		{"empty compose file", compose(""), []string{"empty compose file"}},
		{"invalid YAML", compose("services: [\n"), []string{"loading compose files"}},
		{"schema violation", compose("services:\n  app:\n    image: nginx\n    bogus: 1\n"), []string{"bogus"}},
		{"missing env file", func() Source { s := seed(t, "main"); s.Supporting = s.Supporting[:1]; return s }(),
			[]string{"service config", `"./.secret/spring_config_encrypt_key.env"`, "spec.compose.supportingFiles", "required: false"}},
		{"absolute env file", compose("services:\n  app:\n    image: nginx\n    env_file: /etc/app.env\n"), []string{"service app", `"/etc/app.env" is not relative`}},
		{"supporting file twice", compose("services: {app: {image: nginx}}", File{Name: "./a.env"}, File{Name: "a.env"}), []string{`"./a.env" and "a.env"`}},
		{"missing required variable", compose("services:\n  app:\n    image: ${IMAGE:?set IMAGE to the image to run}\n"), []string{"set IMAGE to the image to run"}},
		{"unknown image service", func() Source { s := seed(t, "main"); s.Images = map[string]string{"nope": "nginx"}; return s }(), []string{`service "nope"`, "no such service", "orchestrator"}},
		{"bad image reference", func() Source { s := seed(t, "main"); s.Images = map[string]string{"eureka": "UPPER CASE"}; return s }(), []string{`service "eureka"`, `"UPPER CASE" is not an image reference`}},
		{"no image", compose("services:\n  app:\n    ports: [\"80:80\"]\n"), []string{`"app" has neither an image nor a build context`}},
		{"include", compose("include: [other.yaml]\nservices: {app: {image: nginx}}\n"), []string{`include "other.yaml" not found`, "spec.compose.supportingFiles"}},
		{"include outside the project", compose("include: [../other.yaml]\nservices: {app: {image: nginx}}\n"), []string{"include", `"../other.yaml" leaves the project directory`}},
		{"include of a sensitive file", compose("include: [.secret/c.yaml]\nservices: {app: {image: nginx}}\n", File{Name: ".secret/c.yaml", Content: []byte("services: {b: {image: nginx}}\n"), Sensitive: true}), []string{"include", "sensitive"}},
		{"extends file", compose("services:\n  app:\n    extends: {file: base.yaml, service: web}\n"), []string{`extends.file "base.yaml" not found`, "spec.compose.supportingFiles"}},
		{"missing secret file", compose("services:\n  app:\n    image: nginx\n    secrets: [db]\nsecrets:\n  db:\n    file: db.txt\n"), []string{`secret "db"`, `"db.txt" not found`}},
		{"sensitive label file", compose("services:\n  app:\n    image: nginx\n    label_file: .secret/l\n", File{Name: ".secret/l", Content: []byte("a=b"), Sensitive: true}), []string{"label_file", "sensitive"}},
		{"unknown dependency", compose("services:\n  app:\n    image: nginx\n    depends_on: [db]\n"), []string{"db"}},
		// compose-go's schema allows these empty, and its normalisation then panics on them.
		{"empty pid", compose("services:\n  app:\n    image: nginx\n    pid:\n"), []string{"loading compose files", "empty value", "`pid:`"}},
		{"sensitive parse error", compose("services:\n  app:\n    image: nginx\n    env_file: .secret/k.env\n", secret), []string{"service app", `".secret/k.env"`, "at line", "details hidden"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Load(context.Background(), tt.src)
			if err == nil {
				t.Fatalf("Load succeeded (services %v), want an error", slices.Sorted(maps.Keys(l.Project.Services)))
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), fakeKey) {
				t.Errorf("error %q holds the sensitive value", err)
			}
		})
	}
}

func TestLoadDoesNotModifySource(t *testing.T) {
	src := withVars(seed(t, "main"), map[string]string{"A": "1"})
	if _, err := Load(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if len(src.Variables) != 1 {
		t.Errorf("Variables changed: %v", src.Variables)
	}
}

func TestDefaultProjectName(t *testing.T) {
	named := File{Name: "c.yaml", Content: []byte("name: My_App-${ENV:-dev}\nservices: {}\n")}
	plain := File{Name: "c.yaml", Content: []byte("services: {}\n")}
	tests := []struct {
		name    string
		files   []File
		vars    map[string]string
		dir     string
		want    string
		wantErr string
	}{
		{"directory name, normalised", []File{plain}, nil, "/src/SS.Utopia", "ssutopia", ""},
		{"name in file, interpolated and normalised", []File{named}, nil, "/src/x", "my_app-dev", ""},
		{"last file's name wins", []File{named, {Name: "o.yaml", Content: []byte("name: other\n")}}, nil, "/src/x", "other", ""},
		{"COMPOSE_PROJECT_NAME wins", []File{named}, map[string]string{"COMPOSE_PROJECT_NAME": "fromenv"}, "/src/x", "fromenv", ""},
		{"invalid COMPOSE_PROJECT_NAME", []File{plain}, map[string]string{"COMPOSE_PROJECT_NAME": "Bad Name"}, "/x", "", "not a valid project name"},
		{"nothing usable", []File{plain}, nil, "/", "", "cannot derive a project name"},
		{"name not a string", []File{{Name: "c.yaml", Content: []byte("name: [a]\n")}}, nil, "/x", "", "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DefaultProjectName(tt.files, tt.vars, tt.dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("DefaultProjectName = %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("DefaultProjectName = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{"./a.env": "a.env", "a//b/../c.env": "a/c.env", `conf\x.env`: "conf/x.env", "a/../b.env": "b.env"} {
		if got, err := cleanPath(in); err != nil || got != want {
			t.Errorf("cleanPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	var bad []string
	for _, in := range []string{"", " ", "/etc/x", `C:\x`, "~/x", ".", "./", "..", "../shared.env", "a/../../b"} {
		if _, err := cleanPath(in); err == nil {
			bad = append(bad, in)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("cleanPath accepted %q", bad)
	}
}

func TestPrepareReferences(t *testing.T) {
	src := seed(t, "main")
	src.Supporting = nil
	refs, err := prepareReferences(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []Reference{
		{Path: ".secret/spring_config_encrypt_key.env", Required: true, Field: "service config: env_file"},
		{Path: "eureka.env", Required: true, Field: "service auth: env_file"},
	}
	if len(refs) != len(want) || refs[0] != want[0] || refs[1] != want[1] {
		t.Errorf("References = %v, want %v", refs, want)
	}

	refs, err = prepareReferences(compose(`services:
  app:
    image: nginx
    env_file: [{path: opt.env, required: false}]
    label_file: l.txt
  off:
    image: nginx
    profiles: [x]
    env_file: ./off.env
secrets:
  s: {file: ./s/secret.txt}
configs:
  c: {file: c.conf}
`))
	if err != nil {
		t.Fatal(err)
	}
	want = []Reference{
		{"c.conf", false, `config "c": file`},
		{"l.txt", true, "service app: label_file"},
		{"off.env", true, "service off: env_file"},
		{"opt.env", false, "service app: env_file"},
		{"s/secret.txt", true, `secret "s": file`},
	}
	if len(refs) != len(want) {
		t.Fatalf("References = %v, want %v", refs, want)
	}
	for i := range want {
		if refs[i] != want[i] {
			t.Errorf("References[%d] = %v, want %v", i, refs[i], want[i])
		}
	}

	if _, err := prepareReferences(compose("services:\n  app:\n    image: nginx\n    env_file: /abs.env\n")); err == nil ||
		!strings.Contains(err.Error(), "service app: env_file") {
		t.Errorf("Prepare error = %v, want the absolute path refused", err)
	}
}

// prepareReferences returns the supporting files Prepare finds src names.
func prepareReferences(src Source) ([]Reference, error) {
	p, err := Prepare(context.Background(), src)
	if err != nil {
		return nil, err
	}
	return p.References, nil
}

// Load must not read the disk: files that exist in the working directory but are not given are not found.
func TestLoadIgnoresDisk(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"other.yaml": "services: {other: {image: nginx}}\n",
		"app.env":    "FROM_DISK=1\n",
		".env":       "TAG=from-disk\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	t.Setenv("TAG", "from-process")

	if _, err := Load(context.Background(), compose("include: [other.yaml]\nservices: {app: {image: nginx}}\n")); err == nil {
		t.Error("include was read from disk")
	}
	if _, err := Load(context.Background(), compose("services: {app: {image: nginx, env_file: app.env}}\n")); err == nil {
		t.Error("env_file was read from disk")
	}
	l := load(t, compose("services: {app: {image: \"nginx:${TAG:-default}\"}}\n"))
	if got := l.Project.Services["app"].Image; got != "nginx:default" {
		t.Errorf("image = %q: interpolation used the process environment or a .env file", got)
	}
}

func TestLoadExtendsInSameFile(t *testing.T) {
	l := load(t, compose(`services:
  base:
    image: nginx
    environment: {A: "1"}
  app:
    extends: base
    environment: {B: "2"}
`))
	if got := env(t, l.Project, "app"); got["A"] != "1" || got["B"] != "2" || l.Project.Services["app"].Image != "nginx" {
		t.Errorf("extended service = %v, %q", got, l.Project.Services["app"].Image)
	}
}

// Loader errors that compose-go reports bare name the file, the service and the field.
func TestLoadNamesServiceAndField(t *testing.T) {
	for file, want := range map[string][]string{
		"services:\n  web:\n    image: nginx\n    ports:\n      - \"70000:80\"\n":  {"compose.yaml: services.web.ports[0]", "70000", "between 1 and 65535"},
		"services:\n  api:\n    image: nginx\n    ports:\n      - \"8080:http\"\n": {"services.api.ports[0]", "8080:http"},
		"services:\n  \"web app\":\n    image: nginx\n":                            {`services."web app"`, "letters, digits, '.', '_' and '-'"},
	} {
		_, err := Load(context.Background(), Source{ProjectName: "p", Files: []File{{Name: "compose.yaml", Content: []byte(file)}}})
		if err == nil {
			t.Errorf("%q: loaded; want an error", file)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q does not mention %q", file, err, w)
			}
		}
	}
}

// include: and extends.file are followed as Docker Compose follows them, from the files given: paths in an
// included or extended file are relative to its own directory, and become paths of the project.
func TestLoadIncludeAndExtendsFile(t *testing.T) {
	src := compose(`include:
  - db/compose.yaml
services:
  web:
    extends:
      file: common/base.yaml
      service: webapp
    environment:
      ROLE: web
`,
		File{Name: "db/compose.yaml", Content: []byte("services:\n  db:\n    image: postgres:16\n    env_file: db.env\nvolumes:\n  pgdata: {}\n")},
		File{Name: "db/db.env", Content: []byte("POSTGRES_DB=shop\n")},
		File{Name: "common/base.yaml", Content: []byte("services:\n  webapp:\n    image: nginx:1.27\n    env_file: web.env\n    environment:\n      ROLE: base\n")},
		File{Name: "common/web.env", Content: []byte("FROM_BASE=1\n")},
	)
	l := load(t, src)
	if got := env(t, l.Project, "db"); got["POSTGRES_DB"] != "shop" {
		t.Errorf("included service env = %v: db/db.env not read relative to the included file", got)
	}
	if _, ok := l.Project.Volumes["pgdata"]; !ok {
		t.Error("the included file's volumes are missing")
	}
	got := env(t, l.Project, "web")
	if got["ROLE"] != "web" || got["FROM_BASE"] != "1" || l.Project.Services["web"].Image != "nginx:1.27" {
		t.Errorf("extended service = %v, image %q", got, l.Project.Services["web"].Image)
	}

	// The CLI reads what it was not given from the project directory through ReadFile.
	var asked []string
	src = compose("include: [extra.yaml]\nservices: {app: {image: nginx}}\n")
	src.ReadFile = func(p string) ([]byte, error) {
		asked = append(asked, p)
		return []byte("services: {extra: {image: busybox}}\n"), nil
	}
	if l := load(t, src); l.Project.Services["extra"].Image != "busybox" || len(asked) == 0 || asked[0] != "extra.yaml" {
		t.Errorf("ReadFile asked for %v; services %v", asked, l.Project.ServiceNames())
	}
}

// Missing files of several services are reported together, services in order.
func TestLoadReportsEveryMissingFile(t *testing.T) {
	_, err := Load(context.Background(), compose("services:\n  web:\n    image: nginx\n    env_file: web.env\n  api:\n    image: nginx\n    env_file: api.env\n"))
	if err == nil {
		t.Fatal("loaded without the env files")
	}
	msg := err.Error()
	a, w := strings.Index(msg, `service api: env_file "api.env" not found`), strings.Index(msg, `service web: env_file "web.env" not found`)
	if a < 0 || w < 0 || a > w {
		t.Errorf("error %q: want both services' missing files, api first", msg)
	}
}

// References inside an included or extended file are relative to that file's directory, as with Docker Compose.
func TestLoadNestedReferencesAreRelativeToTheirFile(t *testing.T) {
	src := compose("include: [sub/compose.yaml]\nservices:\n  web:\n    extends: {file: common/a.yaml, service: a}\n",
		File{Name: "sub/compose.yaml", Content: []byte("services:\n  inc:\n    extends: {file: base.yaml, service: b}\n")},
		File{Name: "sub/base.yaml", Content: []byte("services:\n  b:\n    image: from-sub-base\n")},
		File{Name: "common/a.yaml", Content: []byte("services:\n  a:\n    extends: {file: b.yaml, service: b}\n")},
		File{Name: "common/b.yaml", Content: []byte("services:\n  b:\n    image: from-common-b\n")},
		// Decoys at the project root: found only if paths were taken from the project directory.
		File{Name: "base.yaml", Content: []byte("services:\n  b:\n    image: wrong-root-base\n")},
		File{Name: "b.yaml", Content: []byte("services:\n  b:\n    image: wrong-root-b\n")},
	)
	l := load(t, src)
	if web, inc := l.Project.Services["web"].Image, l.Project.Services["inc"].Image; web != "from-common-b" || inc != "from-sub-base" {
		t.Errorf("web image %q, inc image %q: nested references not resolved from their own file's directory", web, inc)
	}
}

// A chain of references is bounded before it is followed further.
func TestLoadBoundsReferences(t *testing.T) {
	var files []File
	for i := range maxReferences + 1 {
		files = append(files, File{Name: fmt.Sprintf("f%d.yaml", i), Content: []byte(fmt.Sprintf("services:\n  s:\n    extends: {file: f%d.yaml, service: s}\n", i+1))})
	}
	files = append(files, File{Name: fmt.Sprintf("f%d.yaml", maxReferences+1), Content: []byte("services:\n  s:\n    image: nginx\n")})
	_, err := Load(context.Background(), compose("services:\n  app:\n    extends: {file: f0.yaml, service: s}\n", files...))
	if err == nil || !strings.Contains(err.Error(), "more than 512") {
		t.Errorf("error %v: want the reference bound", err)
	}
}

// An included file is interpolated with the .env file of its own directory, as Docker Compose does.
func TestLoadIncludeReadsItsDotEnv(t *testing.T) {
	l := load(t, compose("include: [db/compose.yaml]\nservices: {app: {image: nginx}}\n",
		File{Name: "db/compose.yaml", Content: []byte("services:\n  db:\n    image: postgres:${PG_TAG:-latest}\n")},
		File{Name: "db/.env", Content: []byte("PG_TAG=16-alpine\n")},
	))
	if got := l.Project.Services["db"].Image; got != "postgres:16-alpine" {
		t.Errorf("included image = %q: db/.env not used", got)
	}
}
