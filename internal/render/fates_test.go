package render

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// Every service key compose-go knows must have a fate, so nothing is dropped without a word.
func TestEveryComposeServiceKeyHasAFate(t *testing.T) {
	keys := append([]string{}, types.ContainerSpecAttributes...)
	keys = append(keys, "build", "depends_on", "dockerfile", "expose", "healthcheck", "ports", "stdin_open", "tty",
		"profiles", "deploy", "develop", "restart", "scale", "attach", "container_name", "provider", "extends",
		"external_links", "links", "net", "pre_start", "post_start", "pre_stop")
	for _, k := range keys {
		if _, ok := serviceFields[k]; !ok {
			t.Errorf("service key %q has no entry in serviceFields", k)
		}
	}
}

// docs/compose-support.md is the human copy of the fate tables: every key appears in it.
func TestComposeSupportDocListsEveryField(t *testing.T) {
	data, err := os.ReadFile("../../docs/compose-support.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	var walk func(prefix string, rules map[string]fieldRule)
	walk = func(prefix string, rules map[string]fieldRule) {
		for _, k := range slices.Sorted(maps.Keys(rules)) {
			path := prefix + k
			if rules[k].children != nil {
				walk(path+".", rules[k].children)
				if !slices.Contains([]string{"deploy", "deploy.resources", "deploy.resources.limits", "deploy.resources.reservations", "deploy.placement", "deploy.update_config"}, path) {
					t.Errorf("unexpected nested rule %s", path)
				}
				continue
			}
			if !strings.Contains(doc, "`"+path+"`") {
				t.Errorf("docs/compose-support.md does not list `%s`", path)
			}
		}
	}
	walk("", serviceFields)
	for _, ext := range []string{xVPC, xCluster, xLoadBalancer, xLogsRetention, xCloudFormation, xRole, xPolicies,
		xPullCredentials, xAutoscaling, xMinPercent, xMaxPercent, xProtocol, xKeys, xSecurityGroup} {
		if !strings.Contains(doc, ext) {
			t.Errorf("docs/compose-support.md does not document %s", ext)
		}
	}
}

// An unknown key is warned about, an ignored key gives its reason, a rejected key fails.
func TestCheckFields(t *testing.T) {
	r := &renderer{}
	err := r.checkFields("services.app", map[string]any{
		"privileged": true, "brand_new_key": "x", "image": "busybox", "cpu_shares": 0.0,
		"deploy": map[string]any{"update_config": map[string]any{"order": "start-first"}},
	}, serviceFields)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"services.app.brand_new_key: composestack does not know this field; it is ignored",
		"services.app.deploy.update_config.order: " + updateConfigFields["order"].reason,
		"services.app.privileged: " + serviceFields["privileged"].reason,
	}
	if !slices.Equal(r.warnings, want) {
		t.Errorf("warnings = %q\nwant %q", r.warnings, want)
	}
	if err := r.checkFields("services.app", map[string]any{"use_api_socket": true}, serviceFields); err == nil ||
		!strings.HasPrefix(err.Error(), "services.app.use_api_socket: ") {
		t.Errorf("use_api_socket: err = %v", err)
	}
}
