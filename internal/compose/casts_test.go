package compose

import (
	"context"
	"strings"
	"testing"
)

// Load prunes compose-go's type-cast table to the patterns whose keys the files contain (relevantCasts): the
// casts the files need must still apply, and still fail the same way.
func TestLoadKeepsTypeCasts(t *testing.T) {
	const file = `services:
  web:
    image: nginx
    privileged: "${PRIV}"
    cpus: "${CPUS}"
    ulimits:
      nofile:
        soft: "${SOFT}"
        hard: 2048
    ports:
      - target: "${PORT}"
        published: "8080"
    deploy:
      replicas: "${REPLICAS}"
`
	for _, escaped := range []bool{false, true} {
		content := file
		if escaped {
			// A backslash anywhere keeps the whole table.
			content += "x-note: \"a\\tb\"\n"
		}
		src := Source{
			ProjectName: "casts",
			Files:       []File{{Name: "compose.yaml", Content: []byte(content)}},
			Variables:   map[string]string{"PRIV": "true", "CPUS": "0.5", "SOFT": "1024", "PORT": "80", "REPLICAS": "3"},
		}
		svc := load(t, src).Project.Services["web"]
		nofile := svc.Ulimits["nofile"]
		if !svc.Privileged || svc.CPUS != 0.5 || nofile == nil || nofile.Soft != 1024 || len(svc.Ports) != 1 || svc.Ports[0].Target != 80 ||
			svc.Deploy == nil || svc.Deploy.Replicas == nil || *svc.Deploy.Replicas != 3 {
			t.Errorf("escaped=%v: casts not applied: privileged=%v cpus=%v ulimits=%+v ports=%+v deploy=%+v",
				escaped, svc.Privileged, svc.CPUS, nofile, svc.Ports, svc.Deploy)
		}

		src.Variables["REPLICAS"] = "three"
		_, err := Load(context.Background(), src)
		if err == nil || !strings.Contains(err.Error(), "services.web.deploy.replicas") || !strings.Contains(err.Error(), "failed to cast") {
			t.Errorf("escaped=%v: replicas %q: got error %v, want a cast failure at services.web.deploy.replicas", escaped, "three", err)
		}
	}
}
