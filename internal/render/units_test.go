package render

import (
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"front-tier":                  "Fronttier",
		"utopia-orchestrator-service": "Utopiaorchestratorservice",
		"web":                         "Web",
		"data.store":                  "Datastore",
		"back_end":                    "Backend",
		"Already":                     "Already",
		"2fa":                         "2fa",
		"db-data":                     "Dbdata",
		"subnet-0aaa":                 "Subnet0aaa",
		"café":                        "Caf",
		"---":                         "",
	} {
		if got := normalizeName(in); got != want {
			t.Errorf("normalizeName(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestLogicalIDs(t *testing.T) {
	for got, want := range map[string]string{
		serviceID("eureka"):                       "EurekaService",
		taskDefinitionID("eureka"):                "EurekaTaskDefinition",
		executionRoleID("eureka"):                 "EurekaTaskExecutionRole",
		taskRoleID("eureka"):                      "EurekaTaskRole",
		discoveryID("eureka"):                     "EurekaServiceDiscoveryEntry",
		targetGroupID("orchestrator", "tcp", 443): "OrchestratorTCP443TargetGroup",
		listenerID("orchestrator", "tcp", 443):    "OrchestratorTCP443Listener",
		networkID("front-tier"):                   "FronttierNetwork",
		networkIngressID("front-tier"):            "FronttierNetworkIngress",
		portIngressID("default", 8761):            "Default8761Ingress",
		filesystemID("db-data"):                   "DbdataFilesystem",
		accessPointID("db-data"):                  "DbdataAccessPoint",
		mountTargetID("db-data", "subnet-1"):      "DbdataNFSMountTargetOnSubnet1",
		scalableTargetID("web"):                   "WebScalableTarget",
	} {
		if got != want {
			t.Errorf("got %q; want %q", got, want)
		}
	}
}

func TestCheckNormalizedNames(t *testing.T) {
	if err := checkNormalizedNames("services", []string{"web", "api", "db-data"}); err != nil {
		t.Errorf("distinct names rejected: %v", err)
	}
	if err := checkNormalizedNames("services", []string{"front_end", "front-end"}); err == nil || !strings.Contains(err.Error(), "Frontend") {
		t.Errorf("colliding names: err = %v", err)
	}
	if err := checkNormalizedNames("networks", []string{"__"}); err == nil || !strings.Contains(err.Error(), "networks.__") {
		t.Errorf("empty normalised name: err = %v", err)
	}
}

func TestFargateSize(t *testing.T) {
	const gib = 1024 * miB
	for _, tc := range []struct {
		cpu, mem       int64
		wantCPU, wantM string
		ok             bool
	}{
		{0, 0, "256", "512", true},
		{256, 0, "256", "512", true},
		{0, 600 * miB, "256", "1024", true},
		{0, 2 * gib, "256", "2048", true},
		{0, 3 * gib, "512", "3072", true},
		{300, 0, "512", "1024", true},
		{1536, 3 * gib, "2048", "4096", true},
		{1024, 8 * gib, "1024", "8192", true},
		{1024, 9 * gib, "2048", "9216", true},
		{4096, 30 * gib, "4096", "30720", true},
		{4096, 31 * gib, "8192", "32768", true},
		{8192, 40 * gib, "8192", "40960", true},
		{16384, 120 * gib, "16384", "122880", true},
		{16384, 121 * gib, "", "", false},
		{32768, 0, "", "", false},
	} {
		cpu, mem, ok := fargateSize(tc.cpu, tc.mem)
		if cpu != tc.wantCPU || mem != tc.wantM || ok != tc.ok {
			t.Errorf("fargateSize(%d, %d MiB) = %s, %s, %v; want %s, %s, %v", tc.cpu, tc.mem/miB, cpu, mem, ok, tc.wantCPU, tc.wantM, tc.ok)
		}
	}
}

func TestDeployPercents(t *testing.T) {
	res, err := renderYAML(t, `
services:
  web:
    image: nginx
    deploy:
      replicas: 4
      update_config:
        parallelism: 2
        x-aws-max_percent: 175`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := resources(t, template(t, res), "AWS::ECS::Service")["WebService"]["DeploymentConfiguration"].(map[string]any)
	if cfg["MinimumHealthyPercent"] != 50.0 || cfg["MaximumPercent"] != 175.0 {
		t.Errorf("deployment configuration = %v; want 50%% from parallelism and 175%% from x-aws-max_percent", cfg)
	}
}

// ECS sends SIGTERM: a stop_signal naming it, in any spelling, is what happens and needs no warning.
func TestStopSignalSIGTERMIsSilent(t *testing.T) {
	for sig, warned := range map[string]bool{"SIGTERM": false, "TERM": false, "15": false, "sigterm": false, "SIGINT": true, "SIGQUIT": true} {
		res, err := renderYAML(t, "services:\n  app:\n    image: nginx\n    stop_signal: \""+sig+"\"\n", Options{})
		if err != nil {
			t.Fatalf("%s: %v", sig, err)
		}
		got := strings.Contains(strings.Join(res.Warnings, "\n"), "stop_signal")
		if got != warned {
			t.Errorf("stop_signal %s: warned=%v, want %v (warnings: %q)", sig, got, warned, res.Warnings)
		}
	}
}
