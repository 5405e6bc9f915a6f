package render

import (
	"context"
	"strings"
	"testing"

	"github.com/composestack/composestack/internal/compose"
)

// renderYAML loads one compose file with internal/compose and renders it.
func renderYAML(t testing.TB, yaml string, opts Options, supporting ...compose.File) (*Result, error) {
	t.Helper()
	loaded, err := compose.Load(context.Background(), compose.Source{
		ProjectName: "demo",
		Files:       []compose.File{{Name: "compose.yaml", Content: []byte(yaml)}},
		Supporting:  supporting,
	})
	if err != nil {
		t.Fatalf("loading the compose file: %v", err)
	}
	if opts.SensitiveEnv == nil {
		opts.SensitiveEnv = loaded.SensitiveEnv
	}
	if opts.Files == nil {
		opts.Files = loaded.Files
	}
	if opts.SensitiveFiles == nil {
		opts.SensitiveFiles = loaded.SensitiveFiles
	}
	return Render(loaded.Project, opts)
}

func TestRenderRejects(t *testing.T) {
	cases := []struct {
		name    string
		compose string
		opts    Options
		want    []string // substrings of the error
	}{
		{"build only", `
services:
  app:
    build: ./app`, Options{}, []string{"services.app", "build:", "spec.compose.images.app", "--image app=<ref>"}},
		{"provider", `
services:
  app:
    provider:
      type: model`, Options{}, []string{"services.app.provider", "cannot run on ECS"}},
		{"bind mount", `
services:
  app:
    image: busybox
    volumes:
      - ./data:/data`, Options{}, []string{"services.app.volumes[0]", "bind mount of ./data", "its content was not provided", "spec.compose.supportingFiles", "(data, or data/<file>)", "bake it into the image"}},
		{"host data directory without the EFS opt-in", `
services:
  app:
    image: busybox
    volumes:
      - /srv/media:/media`, Options{}, []string{"services.app.volumes[0]", "host directory /srv/media", "efsBindMounts: [\"/srv/media\"]", `["*"]`, "--efs-bind-mount '*'"}},
		{"host directory outside the project, named for another", `
services:
  app:
    image: busybox
    volumes:
      - ../shared:/shared`, Options{EFSBindMounts: []string{"/srv/media"}}, []string{"services.app.volumes[0]", "host directory ../shared", "efsBindMounts"}},
		{"project path is not covered by every host directory", `
services:
  app:
    image: busybox
    volumes:
      - ./conf:/etc/app`, Options{EFSBindMounts: []string{"*"}}, []string{"services.app.volumes[0]", "its content was not provided"}},
		{"docker socket", `
services:
  app:
    image: portainer/agent
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock`, Options{EFSBindMounts: []string{"*"}}, []string{"services.app.volumes[0]", "no Docker engine", "no Docker API"}},
		{"kernel modules", `
services:
  app:
    image: busybox
    volumes:
      - /lib/modules:/lib/modules:ro`, Options{}, []string{"services.app.volumes[0]", "kernel modules"}},
		{"host proc", `
services:
  app:
    image: prom/node-exporter
    volumes:
      - /proc:/host/proc:ro`, Options{}, []string{"services.app.volumes[0]", "process table"}},
		{"wasm platform", `
services:
  app:
    image: example/wasm-app
    platform: wasi/wasm`, Options{}, []string{"services.app", "Wasm runtime"}},
		{"bind volume named like a declared volume", `
services:
  app:
    image: busybox
    volumes:
      - /srv/media:/media
      - srvmedia:/other
volumes:
  srvmedia:`, Options{EFSBindMounts: []string{"/srv/media"}}, []string{"services.app.volumes[0]", `"srv_media"`, `"srvmedia"`, "rename"}},
		{"tmpfs beside a named volume of its task volume name", `
services:
  app:
    image: busybox
    tmpfs: [/tmp]
    volumes:
      - tmpfs1:/data
volumes:
  tmpfs1:`, Options{}, []string{"services.app.tmpfs[0]", `"tmpfs1"`, "rename the named volume"}},
		{"port range", `
services:
  app:
    image: busybox
    ports:
      - "8000-8001:80"`, Options{}, []string{"services.app.ports[0].published", "single port"}},
		{"sctp", `
services:
  app:
    image: busybox
    ports:
      - "9000:9000/sctp"`, Options{}, []string{"services.app.ports[0].protocol", "sctp"}},
		{"same published port twice", `
services:
  a:
    image: busybox
    ports: ["8080:80"]
  b:
    image: busybox
    ports: ["8080:81/udp"]`, Options{}, []string{"services.b.ports", "port 8080", "service a"}},
		{"tcp and udp to different container ports", `
services:
  dns:
    image: busybox
    ports: ["53:53/tcp", "53:5353/udp"]`, Options{}, []string{"services.dns.ports", "TCP_UDP", "same container port"}},
		{"external secret by name", `
services:
  app:
    image: busybox
    secrets: [s]
secrets:
  s:
    external: true
    name: my-secret`, Options{}, []string{"secrets.s", "ARN", "my-secret"}},
		{"pull credentials not an ARN", `
services:
  app:
    image: busybox
    x-aws-pull_credentials: registry-creds`, Options{}, []string{"services.app.x-aws-pull_credentials", "ARN"}},
		{"memory reservation above the task", `
services:
  app:
    image: busybox
    deploy:
      resources:
        limits:
          memory: 512M
        reservations:
          memory: 1G`, Options{}, []string{"services.app.deploy.resources.reservations.memory", "1024 MiB", "512 MiB"}},
		{"global mode", `
services:
  app:
    image: busybox
    deploy:
      mode: global`, Options{}, []string{"services.app.deploy.mode", "replicas"}},
		{"parallelism without replicas", `
services:
  app:
    image: busybox
    deploy:
      update_config:
        parallelism: 2`, Options{}, []string{"services.app.deploy.update_config.parallelism", "deploy.replicas"}},
		{"parallelism above replicas", `
services:
  app:
    image: busybox
    deploy:
      replicas: 1
      update_config:
        parallelism: 2`, Options{}, []string{"deploy.replicas (1)", "parallelism (2)"}},
		{"autoscaling without max", `
services:
  app:
    image: busybox
    deploy:
      x-aws-autoscaling:
        cpu: 50`, Options{}, []string{"x-aws-autoscaling", "max"}},
		{"autoscaling cpu and memory", `
services:
  app:
    image: busybox
    deploy:
      x-aws-autoscaling:
        max: 3
        cpu: 50
        memory: 50`, Options{}, []string{"x-aws-autoscaling", "not both"}},
		{"too big for Fargate", `
services:
  app:
    image: busybox
    deploy:
      resources:
        limits:
          cpus: "32"`, Options{}, []string{"services.app.deploy.resources", "largest Fargate task"}},
		{"network_mode without a default network", `
services:
  app:
    image: busybox
    networks: [back]
  probe:
    image: busybox
    network_mode: host
networks:
  back:`, Options{}, []string{"services.probe.network_mode", `"host"`, "no default network", "list the service's networks"}},
		{"stop grace period", `
services:
  app:
    image: busybox
    stop_grace_period: 5m`, Options{}, []string{"services.app.stop_grace_period", "120s"}},
		{"platform", `
services:
  app:
    image: busybox
    platform: windows/amd64`, Options{}, []string{"services.app.platform", "linux/arm64"}},
		{"external network without sg", `
services:
  app:
    image: busybox
    networks: [corp]
networks:
  corp:
    external: true
    name: corp-net`, Options{}, []string{"networks.corp", "sg-"}},
		{"external volume without fs", `
services:
  app:
    image: busybox
    volumes: ["data:/data"]
volumes:
  data:
    external: true
    name: my-data`, Options{}, []string{"volumes.data", "fs-"}},
		{"log retention", `
x-aws-logs_retention: 10
services:
  app:
    image: busybox`, Options{}, []string{"x-aws-logs_retention", "10 days"}},
		{"load balancer by name", `
x-aws-loadbalancer: my-alb
services:
  app:
    image: busybox
    ports: ["80:80"]`, Options{}, []string{"x-aws-loadbalancer", "ARN", "controller, which looks names up"}},
		{"looked-up load balancer of the wrong type", `
x-aws-loadbalancer: edge
services:
  app:
    image: busybox
    ports: ["80:80"]`, Options{Network: Network{LoadBalancer: &ExistingLoadBalancer{ARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/edge/0123456789abcdef", Type: "network"}}},
			[]string{"x-aws-loadbalancer", `"edge" is of type network`, "application load balancer"}},
		{"load balancer in another VPC", `
x-aws-loadbalancer: shared
services:
  app:
    image: busybox
    ports: ["80:80"]`, Options{Network: Network{VPCID: "vpc-0aaaaaaaaaaaaaaa1", SubnetIDs: []string{"subnet-1"},
			LoadBalancer: &ExistingLoadBalancer{ARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shared/0123456789abcdef", Type: "application", VPCID: "vpc-0bbbbbbbbbbbbbbb2"}}},
			[]string{"x-aws-loadbalancer", "in VPC vpc-0bbbbbbbbbbbbbbb2", "deploys into VPC vpc-0aaaaaaaaaaaaaaa1"}},
		{"load balancer of the wrong type", `
x-aws-loadbalancer: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb/0123456789abcdef
services:
  app:
    image: busybox
    ports: ["5432:5432"]`, Options{}, []string{"x-aws-loadbalancer", "type application", "network load balancer"}},
		{"bad x-aws-vpc", `
x-aws-vpc: my-vpc
services:
  app:
    image: busybox`, Options{}, []string{"x-aws-vpc", "vpc-"}},
		{"vpc twice", `
services:
  app:
    image: busybox`, Options{Network: Network{VPCID: "vpc-1", VPCImport: "x"}}, []string{"network", "not both"}},
		{"subnets twice", `
services:
  app:
    image: busybox`, Options{Network: Network{SubnetIDs: []string{"subnet-1"}, SubnetImports: []string{"x"}}}, []string{"network", "not both"}},
		{"bad subnet", `
services:
  app:
    image: busybox`, Options{Network: Network{SubnetIDs: []string{"sn-1"}}}, []string{"network", "sn-1"}},
		{"project name", `
services:
  app:
    image: busybox`, Options{ProjectName: "my_project"}, []string{"project name", "my_project", "name:", "--project-name"}},
		{"colliding service names", `
services:
  front-end:
    image: busybox
  frontend:
    image: busybox`, Options{}, []string{"services.front-end", "services.frontend", "Frontend"}},
		{"bad x-aws-role", `
services:
  app:
    image: busybox
    x-aws-role: arn:aws:iam::123456789012:role/x`, Options{}, []string{"services.app.x-aws-role", "policy document"}},
		{"secret target outside /run/secrets", `
services:
  app:
    image: busybox
    secrets:
      - source: s
        target: /etc/s
secrets:
  s:
    external: true
    name: arn:aws:secretsmanager:us-east-1:123456789012:secret:s`, Options{}, []string{"services.app.secrets[0].target", "/run/secrets"}},
		{"secret target leaving /run/secrets", `
services:
  app:
    image: busybox
    secrets:
      - source: s
        target: certs/../../etc/s
secrets:
  s:
    external: true
    name: arn:aws:secretsmanager:us-east-1:123456789012:secret:s`, Options{}, []string{"services.app.secrets[0].target", "certs/../../etc/s", "inside /run/secrets"}},
		{"every key of a secret without Docker's helper", `
services:
  app:
    image: busybox
    secrets: [s]
secrets:
  s:
    external: true
    name: arn:aws:secretsmanager:us-east-1:123456789012:secret:s
    x-aws-keys: ["*"]`, Options{}, []string{"services.app.secrets", `x-aws-keys "*"`, "list the keys", "spec.helpers.dockerCompatible", "--docker-compatible-helpers"}},
		{"a secret key that cannot name a file", `
services:
  app:
    image: busybox
    secrets: [s]
secrets:
  s:
    external: true
    name: arn:aws:secretsmanager:us-east-1:123456789012:secret:s
    x-aws-keys: [a/b]`, Options{}, []string{"services.app.secrets", `x-aws-keys "a/b"`, "'/' or ':'"}},
		{"efs uid without gid", `
services:
  app:
    image: busybox
    volumes: ["data:/data"]
volumes:
  data:
    driver_opts:
      uid: "1000"`, Options{}, []string{"volumes.data.driver_opts", "uid and gid"}},
		{"overlay that is not a mapping", `
services:
  app:
    image: busybox`, Options{Overlays: [][]byte{[]byte("Resources: {}"), []byte("- a\n- list\n")}}, []string{"overlay 2"}},
		{"overlay resource without a type", `
services:
  app:
    image: busybox
x-aws-cloudformation:
  Resources:
    AppTCP80Listener:
      Properties:
        Protocol: TLS`, Options{}, []string{"x-aws-cloudformation: Resources.AppTCP80Listener has no Type", "exact logical ID"}},
		{"vpc export name that is not JSON-safe", `
services:
  app:
    image: busybox`, Options{Network: Network{VPCImport: "vpc\x01export"}}, []string{"intrinsic function", "Fn::ImportValue", "vpc"}},
		{"x-aws-cloudformation that is not a mapping", `
x-aws-cloudformation: just a string
services:
  app:
    image: busybox`, Options{}, []string{"x-aws-cloudformation", "mapping"}},
		{"named volume called secrets beside secrets", `
services:
  app:
    image: busybox
    volumes: ["secrets:/data"]
    secrets: [s]
volumes:
  secrets: {}
secrets:
  s:
    external: true
    name: arn:aws:secretsmanager:us-east-1:123456789012:secret:s`, Options{}, []string{"services.app.volumes[0]", "rename the named volume"}},
		{"gpu on an existing cluster", `
x-aws-cluster: shared
services:
  a:
    image: busybox
    deploy:
      resources:
        reservations:
          devices: [{capabilities: [gpu]}]`, Options{}, []string{"x-aws-cluster", "capacity providers", "shared"}},
		{"gpu machines differ", `
services:
  a:
    image: busybox
    deploy:
      resources:
        reservations:
          devices: [{capabilities: [gpu]}]
      placement:
        constraints: ["node.machine == g4dn.xlarge"]
  b:
    image: busybox
    deploy:
      resources:
        reservations:
          devices: [{capabilities: [gpu]}]
      placement:
        constraints: ["node.machine == g4dn.2xlarge"]`, Options{}, []string{"services.b.deploy.placement.constraints", "g4dn.xlarge", "service a"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := renderYAML(t, tc.compose, tc.opts)
			if err == nil {
				t.Fatal("Render succeeded; want an error")
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
			if msg != strings.ToLower(msg[:1])+msg[1:] {
				t.Errorf("error %q does not start lower-case", msg)
			}
		})
	}
}

func TestRenderNilProject(t *testing.T) {
	if _, err := Render(nil, Options{}); err == nil {
		t.Fatal("Render(nil) succeeded; want an error")
	}
}

// A secret file the loader read but the caller did not pass in Options.Files is an error, not an empty secret.
func TestRenderSecretFileMissingFromOptions(t *testing.T) {
	_, err := renderYAML(t, `
services:
  app:
    image: busybox
    secrets: [s]
secrets:
  s:
    file: ./s.txt`, Options{Files: map[string][]byte{}}, compose.File{Name: "s.txt", Content: []byte("x")})
	if err == nil || !strings.Contains(err.Error(), "secrets.s.file") {
		t.Fatalf("Render error = %v; want one naming secrets.s.file", err)
	}
}
