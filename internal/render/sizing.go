package render

import (
	"fmt"
	"strconv"
)

const miB = 1024 * 1024

// fargateSizes lists the task CPU units Fargate offers (ascending) with the memory sizes, in MiB, allowed with
// each. Docker's table stopped at 4 vCPU; 8 and 16 vCPU came to Fargate platform 1.4.0 later.
var fargateSizes = []struct {
	cpu      int64
	memories []int64
}{
	{256, []int64{512, 1024, 2048}},
	{512, steps(1024, 4096, 1024)},
	{1024, steps(2048, 8192, 1024)},
	{2048, steps(4096, 16384, 1024)},
	{4096, steps(8192, 30720, 1024)},
	{8192, steps(16384, 61440, 4096)},
	{16384, steps(32768, 122880, 8192)},
}

func steps(from, to, step int64) []int64 {
	var out []int64
	for v := from; v <= to; v += step {
		out = append(out, v)
	}
	return out
}

// fargateSize picks the smallest Fargate task size holding cpu units and memory bytes (both 0 when unset): the
// first CPU size that is large enough and offers enough memory, as Docker did. Nothing requested gives 256/512.
func fargateSize(cpuUnits, memBytes int64) (cpu, memory string, ok bool) {
	if cpuUnits == 0 && memBytes == 0 {
		return "256", "512", true
	}
	for _, size := range fargateSizes {
		if cpuUnits > size.cpu {
			continue
		}
		for _, m := range size.memories {
			if memBytes <= m*miB {
				return strconv.FormatInt(size.cpu, 10), strconv.FormatInt(m, 10), true
			}
		}
	}
	return "", "", false
}

// requestedResources reads the task size a service asks for: deploy.resources.limits, else reservations, else the
// legacy cpus / mem_limit keys. CPU comes back in ECS units (1024 per vCPU), memory in bytes.
func requestedResources(p *servicePlan) (cpuUnits, memBytes int64) {
	svc := p.svc
	if svc.Deploy != nil {
		res := svc.Deploy.Resources.Limits
		if res == nil {
			res = svc.Deploy.Resources.Reservations
		}
		if res != nil {
			return int64(float64(res.NanoCPUs) * 1024), int64(res.MemoryBytes)
		}
	}
	return int64(float64(svc.CPUS) * 1024), int64(svc.MemLimit)
}

// sizeTask sets the task CPU and memory of a service.
func sizeTask(p *servicePlan) error {
	cpuUnits, memBytes := requestedResources(p)
	if cpuUnits < 0 || memBytes < 0 {
		return fmt.Errorf("services.%s.deploy.resources: CPU and memory must not be negative", p.svc.Name)
	}
	if p.ec2 {
		// EC2 tasks take any size the instance holds; a GPU task still needs a memory figure for placement.
		if cpuUnits > 0 {
			p.cpu = strconv.FormatInt(cpuUnits, 10)
		}
		mem := memBytes / miB
		if mem == 0 {
			mem = defaultGPUTaskMemoryMiB
		}
		p.memory = strconv.FormatInt(mem, 10)
		return nil
	}
	cpu, memory, ok := fargateSize(cpuUnits, memBytes)
	if !ok {
		return fmt.Errorf("services.%s.deploy.resources: %.2f vCPU with %d MiB is more than the largest Fargate task (16 vCPU, 120 GiB); lower the limits",
			p.svc.Name, float64(cpuUnits)/1024, memBytes/miB)
	}
	p.cpu, p.memory = cpu, memory
	return nil
}
