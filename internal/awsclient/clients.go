package awsclient

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/composestack/composestack/internal/stack"
)

// SessionName is the role session name of assumed roles; it shows in CloudTrail.
const SessionName = "composestack"

// Options configure a Cache.
type Options struct {
	// Endpoint, when set, is used for every service instead of AWS's (the manager's endpoint flag). Without
	// it, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> are honoured as the SDK reads them.
	Endpoint string
	// RetryMaxAttempts bounds the SDK's attempts per call; 0 keeps the SDK's default.
	RetryMaxAttempts int
	// Credentials, when set, replace the default credential chain as the base credentials (tests).
	Credentials aws.CredentialsProvider
	// Driver tunes the stack drivers; its Region is set per client set.
	Driver stack.Options
	// RateLimits bound the CloudFormation calls per account and Region, shared by every stack there.
	RateLimits RateLimits
	// NetworkTTL is how long VPC, subnet and load balancer lookups are cached; 0 takes stack.DefaultNetworkTTL.
	NetworkTTL time.Duration
	// Now is the clock of the network cache; nil is time.Now.
	Now func() time.Time
	// LoadOptions are passed on to config.LoadDefaultConfig.
	LoadOptions []func(*config.LoadOptions) error
	// HTTPClient, when set, replaces the SDK's HTTP client once the configuration is loaded. Set this way,
	// and not through LoadOptions, it also works where AWS_CA_BUNDLE is set, which the SDK can apply only
	// to its own client type.
	HTTPClient aws.HTTPClient
}

// Clients are the SDK clients for one region and role.
type Clients struct {
	Region, RoleARN string
	Config          aws.Config
	CloudFormation  *cloudformation.Client
	S3              *s3.Client
	EC2             *ec2.Client
	ELBv2           *elbv2.Client
	EFS             *efs.Client
}

type key struct{ region, role string }

// Cache hands out Clients and stack Clients per region and role, building each once.
type Cache struct {
	opts Options

	mu      sync.Mutex
	clients map[key]*Clients
	stacks  map[key]*stack.Client
	limits  map[accountRegion]*classLimits
}

// New returns an empty Cache.
func New(opts Options) *Cache {
	return &Cache{opts: opts, clients: map[key]*Clients{}, stacks: map[key]*stack.Client{},
		limits: map[accountRegion]*classLimits{}}
}

// Clients returns the SDK clients for region, acting as roleARN when it is set.
func (c *Cache) Clients(ctx context.Context, region, roleARN string) (*Clients, error) {
	if region == "" {
		return nil, errors.New("no AWS region given; set the stack's region or the manager's default region")
	}
	k := key{region, roleARN}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[k]; ok {
		return cl, nil
	}
	cl, err := c.build(ctx, region, roleARN)
	if err != nil {
		return nil, err
	}
	c.clients[k] = cl
	return cl, nil
}

// Stack returns the stack driver and network resolver for region and roleARN.
func (c *Cache) Stack(ctx context.Context, region, roleARN string) (*stack.Client, error) {
	cl, err := c.Clients(ctx, region, roleARN)
	if err != nil {
		return nil, err
	}
	k := key{region, roleARN}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stacks[k]; ok {
		return s, nil
	}
	opts := c.opts.Driver
	opts.Region = region
	s := &stack.Client{
		Driver:        stack.NewDriver(cl.CloudFormation, cl.S3, opts),
		Network:       stack.NewNetworkResolver(cl.EC2, c.opts.NetworkTTL, c.opts.Now),
		LoadBalancers: stack.NewLoadBalancerResolver(cl.ELBv2, c.opts.NetworkTTL, c.opts.Now),
		FileSystems:   stack.NewFileSystemFinder(cl.EFS, cl.CloudFormation),
	}
	c.stacks[k] = s
	return s, nil
}

func (c *Cache) build(ctx context.Context, region, roleARN string) (*Clients, error) {
	load := append([]func(*config.LoadOptions) error{config.WithRegion(region)}, c.opts.LoadOptions...)
	if c.opts.Credentials != nil {
		load = append(load, config.WithCredentialsProvider(c.opts.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration for region %s: %w", region, err)
	}
	if c.opts.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(c.opts.Endpoint)
	}
	if c.opts.HTTPClient != nil {
		cfg.HTTPClient = c.opts.HTTPClient
	}
	maxAttempts := c.opts.RetryMaxAttempts
	cfg.Retryer = func() aws.Retryer {
		return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
			if maxAttempts > 0 {
				o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) { so.MaxAttempts = maxAttempts })
			}
		})
	}
	if roleARN != "" {
		// The role's credentials are fetched with the base credentials and cached until shortly before
		// they expire.
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), roleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = SessionName
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
	}
	// Roles of one account share its limits, as CloudFormation counts calls per account. Callers hold mu.
	ar := accountRegion{accountOf(roleARN), region}
	lim, ok := c.limits[ar]
	if !ok {
		lim = &classLimits{reads: newFairLimiter(c.opts.RateLimits.Reads), writes: newFairLimiter(c.opts.RateLimits.Writes)}
		c.limits[ar] = lim
	}
	// A local endpoint has no per-bucket host names, so S3 is addressed by path there.
	pathStyle := cfg.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
	return &Clients{
		Region:  region,
		RoleARN: roleARN,
		Config:  cfg,
		CloudFormation: cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) {
			o.APIOptions = append(slices.Clip(o.APIOptions), lim.middleware)
		}),
		S3:    s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle }),
		EC2:   ec2.NewFromConfig(cfg),
		ELBv2: elbv2.NewFromConfig(cfg),
		EFS:   efs.NewFromConfig(cfg),
	}, nil
}
