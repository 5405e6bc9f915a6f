package render

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testTool finds a tool the tests need; hack/check-test-tools.sh installs it for `make test`.
func testTool(t *testing.T, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not on PATH; the helper script tests need it (hack/check-test-tools.sh installs it)", name)
	}
	return bin
}

// shells are the shells the helper scripts are run with: /bin/sh, and BusyBox's ash, which the default image
// runs.
func shells(t *testing.T) map[string][]string {
	t.Helper()
	return map[string][]string{"sh": {"/bin/sh"}, "busybox": {testTool(t, "busybox"), "sh"}}
}

// forEachShell runs test once per shell, as a subtest.
func forEachShell(t *testing.T, test func(t *testing.T, shell []string)) {
	t.Helper()
	for name, shell := range shells(t) {
		t.Run(name, func(t *testing.T) { test(t, shell) })
	}
}

// runHelper runs a helper script as its init container does (sh -c script name args...), with only the given
// environment, and returns its combined output and whether it succeeded.
func runHelper(t *testing.T, shell []string, script string, env []string, args ...string) (string, error) {
	t.Helper()
	argv := append(append(slices.Clone(shell), "-c", script, "helper"), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestHelperScriptsLint runs shellcheck over the scripts as written.
func TestHelperScriptsLint(t *testing.T) {
	bin := testTool(t, "shellcheck")
	scripts, err := filepath.Glob(filepath.Join("helpers", "*.sh"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no helper scripts: %v", err)
	}
	if out, err := exec.Command(bin, append([]string{"-s", "sh"}, scripts...)...).CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

func TestResolvConfScript(t *testing.T) {
	cases := []struct {
		name, before, after string
	}{
		{
			"search line kept after ours",
			"nameserver 10.0.0.2\nsearch ec2.internal\noptions ndots:2\n",
			"nameserver 10.0.0.2\noptions ndots:2\nsearch us-east-1.compute.internal demo.local ec2.internal\n",
		},
		{
			"no search line, no final newline",
			"nameserver 169.254.169.253",
			"nameserver 169.254.169.253\nsearch us-east-1.compute.internal demo.local\n",
		},
		{
			"domain line and tabs join the list, repeats once",
			"domain\tcorp.example\nnameserver 10.0.0.2\nsearch  demo.local   other.example\n",
			"nameserver 10.0.0.2\nsearch us-east-1.compute.internal demo.local corp.example other.example\n",
		},
		{
			"glob characters stay literal",
			"search *\n",
			"search us-east-1.compute.internal demo.local *\n",
		},
	}
	forEachShell(t, func(t *testing.T, shell []string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := filepath.Join(t.TempDir(), "resolv.conf")
				if err := os.WriteFile(f, []byte(tc.before), 0o644); err != nil {
					t.Fatal(err)
				}
				env := []string{"RESOLV_CONF=" + f}
				for run := range 2 { // a second run changes nothing
					if out, err := runHelper(t, shell, resolvConfScript, env, "us-east-1.compute.internal", "demo.local"); err != nil {
						t.Fatalf("run %d: %v\n%s", run, err, out)
					}
					got, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					if string(got) != tc.after {
						t.Fatalf("run %d wrote\n%q\nwant\n%q", run, got, tc.after)
					}
				}
				assertMode(t, f, 0o644) // rewritten in place: the bind-mounted file is not replaced
			})
		}
	})
}

func TestResolvConfScriptNeedsTheFile(t *testing.T) {
	forEachShell(t, func(t *testing.T, shell []string) {
		env := []string{"RESOLV_CONF=" + filepath.Join(t.TempDir(), "missing")}
		if out, err := runHelper(t, shell, resolvConfScript, env, "demo.local"); err == nil {
			t.Fatalf("succeeded without a resolv.conf:\n%s", out)
		}
	})
}

func TestSecretsScript(t *testing.T) {
	forEachShell(t, func(t *testing.T, shell []string) { testSecretsScript(t, shell) })
}

func testSecretsScript(t *testing.T, shell []string) {
	dir, marker := t.TempDir(), filepath.Join(t.TempDir(), "evaluated")
	values := map[string]string{
		"SECRET_0": "app",
		"SECRET_1": "line one\nline two\n\n", // trailing newlines are content
		"SECRET_2": "$(touch " + marker + ") `touch " + marker + "` ${HOME} \\n \"quoted\" 'single'",
		"SECRET_3": "-n",
	}
	env := []string{"SECRETS_DIR=" + dir}
	for k, v := range values {
		env = append(env, k+"="+v)
	}
	out, err := runHelper(t, shell, secretsScript, env, "SECRET_0=db/user", "SECRET_1=certs/tls/key.pem", "SECRET_2=odd", "SECRET_3=dash")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := map[string]string{
		"db/user":           values["SECRET_0"],
		"certs/tls/key.pem": values["SECRET_1"],
		"odd":               values["SECRET_2"],
		"dash":              values["SECRET_3"],
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			assertMode(t, path, fs.ModeDir|0o755)
			return nil
		}
		files = append(files, rel)
		assertMode(t, path, 0o444)
		got, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if string(got) != want[rel] {
			t.Errorf("%s holds %q, want %q", rel, got, want[rel])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("a secret's value was run as a command")
	}
	slices.Sort(files)
	if wantFiles := []string{"certs/tls/key.pem", "dash", "db/user", "odd"}; !slices.Equal(files, wantFiles) {
		t.Errorf("wrote %v, want %v", files, wantFiles)
	}
}

func TestSecretsScriptRejects(t *testing.T) {
	for _, arg := range []string{
		"no-equals", "=file", "1X=file", "X-Y=file", "X;touch${IFS}pwned;X=file", // not a variable name
		"X=", "X=/etc/passwd", "X=../out", "X=a/../../out", "X=a//b", "X=./a", "X=dir/", // not a path inside
	} {
		forEachShell(t, func(t *testing.T, shell []string) {
			t.Run(arg, func(t *testing.T) {
				root := t.TempDir()
				dir := filepath.Join(root, "secrets")
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				out, err := runHelper(t, shell, secretsScript, []string{"SECRETS_DIR=" + dir, "X=v"}, arg)
				if err == nil {
					t.Fatalf("accepted %q:\n%s", arg, out)
				}
				if !strings.Contains(out, "not VAR=relative/path") {
					t.Errorf("output %q does not say what is wrong", out)
				}
				entries, _ := os.ReadDir(root)
				inside, _ := os.ReadDir(dir)
				if len(entries) != 1 || len(inside) != 0 {
					t.Errorf("wrote files for %q: %v %v", arg, entries, inside)
				}
			})
		})
	}
}

func TestSecretsScriptFailsOnMissingVariable(t *testing.T) {
	forEachShell(t, func(t *testing.T, shell []string) {
		dir := t.TempDir()
		if out, err := runHelper(t, shell, secretsScript, []string{"SECRETS_DIR=" + dir}, "SECRET_0=s"); err == nil {
			t.Fatalf("succeeded without SECRET_0:\n%s", out)
		}
	})
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (fs.ModeDir | fs.ModePerm); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
}

// initImages lists the image of every init container in a rendered template.
func initImages(t *testing.T, res *Result) []string {
	t.Helper()
	var out []string
	for _, td := range resources(t, template(t, res), "AWS::ECS::TaskDefinition") {
		for _, c := range td["ContainerDefinitions"].([]any) {
			c := c.(map[string]any)
			if strings.HasSuffix(c["Name"].(string), "_InitContainer") {
				out = append(out, c["Image"].(string))
			}
		}
	}
	return out
}

// No template runs a Docker Hub image the compose file did not name, unless Docker's helpers are asked for. (The
// config-file helper may run a service's own image, to copy that image's files.)
func TestInitContainersRunTheHelperImage(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			project, opts := loadCase(t, filepath.Join("testdata", name))
			res, err := Render(project, opts)
			if err != nil {
				t.Fatal(err)
			}
			images := initImages(t, res)
			if len(images) == 0 {
				t.Fatal("no init container")
			}
			named := map[string]bool{}
			for _, svc := range project.Services {
				named[svc.Image] = true
			}
			for _, img := range images {
				if named[img] {
					continue
				}
				docker := img == dockerSearchDomainImage || img == dockerSecretsImage
				if docker != opts.Helpers.DockerCompatible || !docker && img != DefaultHelperImage {
					t.Errorf("init container runs %s (Docker-compatible helpers: %t)", img, opts.Helpers.DockerCompatible)
				}
			}
		})
	}
}

func TestHelperImageOption(t *testing.T) {
	const mirror = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/docker/library/busybox@sha256:9db7b59979c38555a39def84a31fb98b5296952f9e3afd4f6f11f05b07adfab0"
	project, opts := loadCase(t, filepath.Join("testdata", "helpers"))
	opts.Helpers.Image = mirror
	res, err := Render(project, opts)
	if err != nil {
		t.Fatal(err)
	}
	images := initImages(t, res)
	if want := 3; len(images) != want { // api: secrets and search domains; worker: search domains
		t.Fatalf("%d init containers, want %d", len(images), want)
	}
	for _, img := range images {
		if img != mirror {
			t.Errorf("init container runs %s, want %s", img, mirror)
		}
	}
	if strings.Contains(string(res.Body), "public.ecr.aws") {
		t.Error("the template still names the default image")
	}
}
