package main

// Host quick stats and cluster summaries derived from the inventory, kept
// current by a background refresher (power operations of the stock simulator
// do not tell us when they happen).

import (
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func refreshHostStats(ref types.ManagedObjectReference) {
	h := getHost(ref)
	if h == nil {
		return
	}
	hs := snapHost(ref)
	names, mem := poweredOnVMs(hs, types.ManagedObjectReference{})
	var cpu int32
	for range names {
		cpu += 200 // MHz per running VM: a token load
	}
	withLock(h, func() {
		qs := h.Summary.QuickStats
		if qs.OverallMemoryUsage == int32(mem) && qs.OverallCpuUsage == cpu {
			return
		}
		var uptime int32
		if h.Runtime.BootTime != nil {
			uptime = int32(time.Since(*h.Runtime.BootTime).Seconds())
		}
		simulator.Map.Update(h, []types.PropertyChange{
			change("summary.quickStats.overallMemoryUsage", int32(mem)),
			change("summary.quickStats.overallCpuUsage", cpu),
			change("summary.quickStats.uptime", uptime),
		})
	})
}

// refreshClusterSummaries recomputes totals (stock vcsim adds the template
// host's figures when a host is added, and counts effective memory in bytes).
func refreshClusterSummaries() {
	for _, e := range simulator.Map.All("ClusterComputeResource") {
		c, ok := e.(*simulator.ClusterComputeResource)
		if !ok {
			continue
		}
		var hosts []types.ManagedObjectReference
		withLock(c, func() { hosts = append(hosts, c.Host...) })
		var total, effMem int64
		var cpu, effCpu int32
		var cores, threads int16
		var n, eff int32
		for _, ref := range hosts {
			h := getHost(ref)
			if h == nil {
				continue
			}
			withLock(h, func() {
				hw := h.Summary.Hardware
				n++
				total += hw.MemorySize
				cpu += hw.CpuMhz * int32(hw.NumCpuCores)
				cores += hw.NumCpuCores
				threads += hw.NumCpuThreads
				if h.Runtime.ConnectionState == types.HostSystemConnectionStateConnected && !h.Runtime.InMaintenanceMode {
					eff++
					effMem += hw.MemorySize / mib
					effCpu += hw.CpuMhz * int32(hw.NumCpuCores)
				}
			})
		}
		withLock(c, func() {
			s := c.Summary.GetComputeResourceSummary()
			s.TotalMemory, s.TotalCpu = total, cpu
			s.NumCpuCores, s.NumCpuThreads = cores, threads
			s.EffectiveMemory, s.EffectiveCpu = effMem, effCpu
			s.NumHosts, s.NumEffectiveHosts = n, eff
			simulator.Map.Update(c, []types.PropertyChange{change("summary", c.Summary)})
		})
	}
}

func statsLoop() {
	for {
		time.Sleep(300 * time.Millisecond)
		state.mu.Lock()
		refs := make([]types.ManagedObjectReference, 0, len(state.hosts))
		for ref := range state.hosts {
			refs = append(refs, ref)
		}
		state.mu.Unlock()
		for _, ref := range refs {
			refreshHostStats(ref)
		}
	}
}
