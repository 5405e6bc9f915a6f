package cfnlocal

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/time/rate"
)

// RateLimits are the CloudFormation request rates the endpoint allows, per second for the whole account and
// Region, as a real account enforces them: a call beyond its rate is answered `Throttling: Rate exceeded`.
// Zero means no limit.
type RateLimits struct {
	// Reads limits Describe*, List* and Get* calls together.
	Reads float64
	// Writes limits every other CloudFormation call together.
	Writes float64
	// Operations limits single operations on their own, instead of their class: "DescribeStacks" → 5.
	Operations map[string]float64
}

// isRead says whether a CloudFormation operation only reads.
func isRead(op string) bool {
	return strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "List") || strings.HasPrefix(op, "Get")
}

// rateLimiter holds one token bucket per class and per limited operation. Each bucket holds one second of
// calls, so a burst no larger than the rate goes through.
type rateLimiter struct {
	reads, writes *rate.Limiter
	operations    map[string]*rate.Limiter
}

func newRateLimiter(l RateLimits) *rateLimiter {
	rl := &rateLimiter{reads: tokenBucket(l.Reads), writes: tokenBucket(l.Writes), operations: map[string]*rate.Limiter{}}
	for op, r := range l.Operations {
		rl.operations[op] = tokenBucket(r)
	}
	return rl
}

func tokenBucket(perSecond float64) *rate.Limiter {
	if perSecond <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(perSecond), int(math.Max(1, math.Ceil(perSecond))))
}

// allow takes a token for op, and says whether there was one.
func (rl *rateLimiter) allow(op string) bool {
	if rl == nil {
		return true
	}
	b, ok := rl.operations[op]
	if !ok {
		b = rl.writes
		if isRead(op) {
			b = rl.reads
		}
	}
	return b == nil || b.Allow()
}

// ParseOperationRates reads "Op=rate,Op=rate" (a flag's value) into RateLimits.Operations.
func ParseOperationRates(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		op, v, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("operation rate %q: want Operation=perSecond", item)
		}
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 {
			return nil, fmt.Errorf("operation rate %q: the rate must be a number of calls per second, 0 or more", item)
		}
		out[op] = r
	}
	return out, nil
}
