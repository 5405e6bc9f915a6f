package render

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/composestack/composestack/internal/compose"
)

// The configs script copies the image's directory first, then writes each file with its mode, byte for byte, and
// never runs a file's content.
func TestConfigsScript(t *testing.T) {
	forEachShell(t, func(t *testing.T, shell []string) {
		root, marker := t.TempDir(), filepath.Join(t.TempDir(), "evaluated")
		image := filepath.Join(root, "image", "conf.d") // what the image has in the directory
		vol := filepath.Join(root, "vol")
		if err := os.MkdirAll(image, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, content := range map[string]string{"default.conf": "image default\n", "other.conf": "image other\n"} {
			if err := os.WriteFile(filepath.Join(image, name), []byte(content), 0o640); err != nil {
				t.Fatal(err)
			}
		}
		values := map[string]string{
			"CONFIG_0": "server { listen 80; }\n\n", // trailing newlines are content
			"CONFIG_1": "$(touch " + marker + ") `touch " + marker + "` ${HOME}",
			"CONFIG_2": "#!/bin/sh\necho hi\n",
		}
		env := []string{}
		for k, v := range values {
			env = append(env, k+"="+v)
		}
		out, err := runHelper(t, shell, configsScript, env,
			"+"+image+"="+vol,
			"+"+filepath.Join(root, "image", "missing")+"="+filepath.Join(root, "empty"),
			"CONFIG_0=0444="+filepath.Join(vol, "default.conf"),
			"CONFIG_1=0440="+filepath.Join(vol, "sub", "odd.txt"),
			"CONFIG_2=0755="+filepath.Join(vol, "init.sh"))
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for rel, want := range map[string]struct {
			content string
			mode    fs.FileMode
		}{
			"default.conf": {values["CONFIG_0"], 0o444}, // the file replaces the image's
			"other.conf":   {"image other\n", 0o640},    // the image's other files stay, with their modes
			"sub/odd.txt":  {values["CONFIG_1"], 0o440},
			"init.sh":      {values["CONFIG_2"], 0o755},
		} {
			p := filepath.Join(vol, rel)
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want.content {
				t.Errorf("%s holds %q, want %q", rel, got, want.content)
			}
			assertMode(t, p, want.mode)
		}
		assertMode(t, filepath.Join(vol, "sub"), fs.ModeDir|0o755)
		if entries, err := os.ReadDir(filepath.Join(root, "empty")); err != nil || len(entries) != 0 {
			t.Errorf("a directory the image lacks gave %v, %v; want an empty volume", entries, err)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Error("a file's content was run as a command")
		}
	})
}

func TestConfigsScriptRejects(t *testing.T) {
	for _, arg := range []string{
		"no-equals", "1X=0444=/f", "X-Y=0444=/f", "X;touch${IFS}pwned;X=0444=/f", // not a variable name
		"X=0844=/f", "X==/f", "X=rw=/f", // not an octal mode
		"X=0444=relative", "X=0444=/a/../b", "X=0444=/a//b", "X=0444=/a/./b", // not a clean absolute path
		"+relative=/dest", "+/src=dest", "+/src/../etc=/dest",
	} {
		forEachShell(t, func(t *testing.T, shell []string) {
			t.Run(arg, func(t *testing.T) {
				out, err := runHelper(t, shell, configsScript, []string{"X=v"}, arg)
				if err == nil {
					t.Fatalf("accepted %q:\n%s", arg, out)
				}
				if !strings.Contains(out, "not +DIR=DEST or VAR=MODE=/path") {
					t.Errorf("output %q does not say what is wrong", out)
				}
			})
		})
	}
}

// A config is delivered only when ECS can take it; otherwise the render says why, naming the field.
func TestConfigsRejected(t *testing.T) {
	big := strings.Repeat("x", 70_000)
	cases := []struct {
		name, compose string
		files         []compose.File
		want          []string
	}{
		{"too large for a task definition", `
services:
  web:
    image: nginx
    volumes:
      - ./big.conf:/etc/nginx/conf.d/big.conf:ro`, []compose.File{{Name: "big.conf", Content: []byte(big)}},
			[]string{"services.web.volumes[0]", "over the 65536 ECS accepts", "file ./big.conf, 70000 bytes", "bake the large files into the image"}},
		{"binary file", `
services:
  web:
    image: nginx
    volumes:
      - ./static:/usr/share/nginx/html`, []compose.File{{Name: "static/logo.png", Content: []byte("\x89PNG\r\n\x1a\n\x00\x00")}},
			[]string{"services.web.volumes[0]", "file ./static/logo.png is not text", "bake it into the image"}},
		{"a file at the root", `
services:
  web:
    image: nginx
    configs: [app]
configs:
  app:
    content: hello`, nil, []string{"services.web.configs[0]", "config app at /app", "cannot mount one at /", "set a target in a directory"}},
		{"external config", `
services:
  web:
    image: nginx
    configs:
      - source: app
        target: /etc/app/app.conf
configs:
  app:
    external: true`, nil, []string{"configs.app", "Docker Swarm", "file, content or environment"}},
		{"two files at one target", `
services:
  web:
    image: nginx
    volumes:
      - ./a.conf:/etc/app/app.conf
    configs:
      - source: app
        target: /etc/app/app.conf
configs:
  app:
    content: hello`, []compose.File{{Name: "a.conf", Content: []byte("a")}}, []string{"services.web.configs[0]", "file ./a.conf and config app are both written to /etc/app/app.conf"}},
		// A supporting file from a Secret stays secret: config files are written into the task definition.
		{"sensitive file mounted", `
services:
  web:
    image: nginx
    volumes:
      - ./keys/tls.conf:/etc/nginx/conf.d/tls.conf:ro`, []compose.File{{Name: "keys/tls.conf", Content: []byte("ssl_password hunter2"), Sensitive: true}},
			[]string{"services.web.volumes[0]", "keys/tls.conf is a sensitive supporting file", "as a secret (secrets:)"}},
		{"sensitive file in a mounted directory", `
services:
  web:
    image: nginx
    volumes:
      - ./keys:/etc/keys`, []compose.File{{Name: "keys/a.conf", Content: []byte("a")}, {Name: "keys/b.key", Content: []byte("hunter2"), Sensitive: true}},
			[]string{"services.web.volumes[0]", "keys/b.key is a sensitive supporting file"}},
		{"sensitive config file", `
services:
  web:
    image: nginx
    configs:
      - source: app
        target: /etc/app/app.conf
configs:
  app:
    file: ./app.conf`, []compose.File{{Name: "app.conf", Content: []byte("hunter2"), Sensitive: true}},
			[]string{"configs.app.file", "app.conf is a sensitive supporting file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := renderYAML(t, tc.compose, Options{}, tc.files...)
			if err == nil {
				t.Fatal("rendered")
			}
			if res != nil && strings.Contains(string(res.Body), "hunter2") {
				t.Error("a sensitive file's content reached the template")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// A file placed inside a mounted directory goes into that directory's volume; the helper then needs no image
// of the service, and no other volume.
func TestConfigFileInsideMountedDirectory(t *testing.T) {
	res, err := renderYAML(t, `
services:
  web:
    image: nginx
    volumes:
      - ./conf:/etc/nginx/conf.d
      - ./extra.conf:/etc/nginx/conf.d/sub/extra.conf:ro`, Options{},
		compose.File{Name: "conf/default.conf", Content: []byte("a")}, compose.File{Name: "extra.conf", Content: []byte("b")})
	if err != nil {
		t.Fatal(err)
	}
	props := resources(t, template(t, res), "AWS::ECS::TaskDefinition")["WebTaskDefinition"]
	if vols := props["Volumes"].([]any); len(vols) != 1 {
		t.Errorf("volumes %v, want config1 only", vols)
	}
	for _, c := range props["ContainerDefinitions"].([]any) {
		c := c.(map[string]any)
		if c["Name"] != "Web_Configs_InitContainer" {
			continue
		}
		if c["Image"] != DefaultHelperImage {
			t.Errorf("helper runs %v, want the helper image", c["Image"])
		}
		want := []any{"CONFIG_0=0644=/.composestack-configs/config1/default.conf", "CONFIG_1=0444=/.composestack-configs/config1/sub/extra.conf"}
		if got := c["Command"].([]any); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("Command %v, want %v", got, want)
		}
		return
	}
	t.Error("no Web_Configs_InitContainer")
}
