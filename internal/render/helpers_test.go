package render

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// caseOptions is testdata/<case>/options.yaml: the Options a golden case renders with.
type caseOptions struct {
	Project  string   `yaml:"project"`
	Overlays []string `yaml:"overlays"` // files in the case directory
	Network  struct {
		VPCID                string   `yaml:"vpcID"`
		VPCImport            string   `yaml:"vpcImport"`
		SubnetIDs            []string `yaml:"subnetIDs"`
		SubnetImports        []string `yaml:"subnetImports"`
		AssignPublicIP       bool     `yaml:"assignPublicIP"`
		InternalLoadBalancer bool     `yaml:"internalLoadBalancer"`
		IngressCIDR          string   `yaml:"ingressCIDR"`
	} `yaml:"network"`
}

// composeFileNames are the names a case's compose file may have.
var composeFileNames = []string{"compose.yaml", "docker-compose.yaml"}

// loadCase loads testdata/<case> the way internal/compose does for the controller: compose-go resolves env files
// into the environment; variables from env files under .secret/ stand for values from Kubernetes Secrets and move
// to Options.SensitiveEnv; every file of the case is offered in Options.Files.
func loadCase(t testing.TB, dir string) (*types.Project, Options) {
	t.Helper()
	var opts caseOptions
	if data, err := os.ReadFile(filepath.Join(dir, "options.yaml")); err == nil {
		if err := yaml.Unmarshal(data, &opts); err != nil {
			t.Fatalf("%s/options.yaml: %v", dir, err)
		}
	}
	if opts.Project == "" {
		opts.Project = filepath.Base(dir)
	}
	project, err := loadProject(dir, opts.Project)
	if err != nil {
		t.Fatalf("loading %s: %v", dir, err)
	}
	o := Options{
		ProjectName:  opts.Project,
		SensitiveEnv: map[string]map[string]string{},
		Files:        map[string][]byte{},
		Network: Network{
			VPCID: opts.Network.VPCID, VPCImport: opts.Network.VPCImport,
			SubnetIDs: opts.Network.SubnetIDs, SubnetImports: opts.Network.SubnetImports,
			AssignPublicIP: opts.Network.AssignPublicIP, InternalLoadBalancer: opts.Network.InternalLoadBalancer,
			IngressCIDR: opts.Network.IngressCIDR,
		},
	}
	for _, f := range opts.Overlays {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		o.Overlays = append(o.Overlays, data)
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data, err := os.ReadFile(path)
		o.Files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	markSensitive(t, dir, project, o.SensitiveEnv)
	return project, o
}

func loadProject(dir, name string) (*types.Project, error) {
	var file string
	for _, n := range composeFileNames {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			file = filepath.Join(dir, n)
			break
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  abs,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(abs, filepath.Base(file)), Content: data}},
		Environment: map[string]string{"CASE_SECRET_VALUE": "from-the-project-environment"},
	}, func(o *loader.Options) { o.SetProjectName(name, true) })
}

// markSensitive moves variables that came from env files under .secret/ out of the environment.
func markSensitive(t testing.TB, dir string, project *types.Project, sensitive map[string]map[string]string) {
	t.Helper()
	for name, svc := range project.Services {
		for _, ef := range svc.EnvFiles {
			if !strings.Contains(filepath.ToSlash(ef.Path), "/.secret/") {
				continue
			}
			f, err := os.Open(ef.Path)
			if err != nil {
				t.Fatal(err)
			}
			vars, err := dotenv.Parse(f)
			_ = f.Close()
			if err != nil {
				t.Fatal(err)
			}
			for k := range vars {
				if v, ok := svc.Environment[k]; ok && v != nil {
					if sensitive[name] == nil {
						sensitive[name] = map[string]string{}
					}
					sensitive[name][k] = *v
					delete(svc.Environment, k)
				}
			}
		}
		project.Services[name] = svc
	}
}
