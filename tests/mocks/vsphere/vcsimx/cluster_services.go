package main

// Cluster services: vSphere HA admission control (ClusterDasConfigInfo),
// DRS automation level changes through ReconfigureComputeResource_Task, a
// fully automated DRS that moves VMs between hosts on its own, and vSphere
// Cluster Services (vCLS) agent VMs. Sources are listed in the README.

import (
	"fmt"
	"sort"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const (
	eamExtension  = "com.vmware.vim.eam"
	vclsAgentType = "cluster-agent"
)

func (c *ClusterSpec) normalizeServices() error {
	if c.DRSBalanceSeconds < 0 {
		return fmt.Errorf("cluster %s: drs_balance_seconds must not be negative", c.Name)
	}
	if c.HA == nil {
		return nil
	}
	ha := c.HA
	if ha.FailoverLevel == 0 {
		ha.FailoverLevel = 1
	}
	switch ha.Policy {
	case "":
		ha.Policy = "percentage"
	case "percentage", "slots", "failover_hosts":
	default:
		return fmt.Errorf("cluster %s: ha.policy must be percentage, slots or failover_hosts", c.Name)
	}
	if ha.MemoryPercent < 0 || ha.MemoryPercent > 100 || ha.CPUPercent < 0 || ha.CPUPercent > 100 {
		return fmt.Errorf("cluster %s: ha percentages must be between 0 and 100", c.Name)
	}
	names := map[string]bool{}
	for _, h := range c.Hosts {
		names[h.Name] = true
	}
	for _, h := range ha.FailoverHosts {
		if !names[h] {
			return fmt.Errorf("cluster %s: ha.failover_hosts: %s is not a host of the cluster", c.Name, h)
		}
	}
	if (ha.Policy == "failover_hosts") != (len(ha.FailoverHosts) > 0) {
		return fmt.Errorf("cluster %s: ha.failover_hosts goes with policy failover_hosts", c.Name)
	}
	return nil
}

// services is the last build step: HA settings (they name hosts) and the DRS balancer.
func (b *builder) services() error {
	for ci := range b.sc.Clusters {
		cs := &b.sc.Clusters[ci]
		c := simulator.Map.Get(b.clusters[cs.Name]).(*simulator.ClusterComputeResource)
		if cs.HA != nil {
			das := b.dasConfig(cs.HA)
			withLock(c, func() {
				cfg := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
				cfg.DasConfig = das
				c.Configuration.DasConfig = das
			})
		}
		if cs.DRSBalanceSeconds > 0 {
			go drsBalancer(c.Self, seconds(cs.DRSBalanceSeconds))
		}
	}
	return nil
}

func (b *builder) dasConfig(ha *HASpec) types.ClusterDasConfigInfo {
	das := types.ClusterDasConfigInfo{
		Enabled:                 types.NewBool(ha.Enabled == nil || *ha.Enabled),
		AdmissionControlEnabled: types.NewBool(ha.AdmissionControl == nil || *ha.AdmissionControl),
		HostMonitoring:          "enabled",
		VmMonitoring:            "vmMonitoringDisabled",
		FailoverLevel:           ha.FailoverLevel,
	}
	switch ha.Policy {
	case "percentage":
		das.AdmissionControlPolicy = &types.ClusterFailoverResourcesAdmissionControlPolicy{
			CpuFailoverResourcesPercent: ha.CPUPercent, MemoryFailoverResourcesPercent: ha.MemoryPercent,
			FailoverLevel: ha.FailoverLevel, AutoComputePercentages: types.NewBool(ha.AutoCompute)}
	case "slots":
		das.AdmissionControlPolicy = &types.ClusterFailoverLevelAdmissionControlPolicy{FailoverLevel: ha.FailoverLevel}
	case "failover_hosts":
		var refs []types.ManagedObjectReference
		for _, h := range ha.FailoverHosts {
			refs = append(refs, b.hosts[h])
		}
		das.AdmissionControlPolicy = &types.ClusterFailoverHostAdmissionControlPolicy{FailoverHosts: refs,
			FailoverLevel: ha.FailoverLevel}
	}
	return das
}

// failoverHost tells whether HA admission control dedicates the host to failover
// (vCenter then refuses to power on or vMotion VMs onto it).
func failoverHost(ref types.ManagedObjectReference) bool {
	h := getHost(ref)
	if h == nil || h.Parent == nil {
		return false
	}
	c, ok := simulator.Map.Get(*h.Parent).(*simulator.ClusterComputeResource)
	if !ok {
		return false
	}
	found := false
	withLock(c, func() {
		das := c.ConfigurationEx.(*types.ClusterConfigInfoEx).DasConfig
		if das.Enabled == nil || !*das.Enabled || das.AdmissionControlEnabled == nil || !*das.AdmissionControlEnabled {
			return
		}
		if p, ok := das.AdmissionControlPolicy.(*types.ClusterFailoverHostAdmissionControlPolicy); ok {
			found = hasRef(p.FailoverHosts, ref)
		}
	})
	return found
}

func failoverHostError(vm string, dst hostSnap) *jobError {
	return fail(&types.InsufficientFailoverResourcesFault{},
		fmt.Sprintf("Insufficient resources to satisfy configured failover level for vSphere HA: host %s is a dedicated failover host of vSphere HA admission control; virtual machine '%s' cannot be powered on or migrated to it.",
			hostLabel(dst), vm))
}

// isAgentVM: a vCLS agent VM (managed by ESX Agent Manager as a cluster agent).
func isAgentVM(vm *simulator.VirtualMachine) bool {
	agent := false
	withLock(vm, func() {
		if vm.Config != nil && vm.Config.ManagedBy != nil {
			agent = vm.Config.ManagedBy.ExtensionKey == eamExtension && vm.Config.ManagedBy.Type == vclsAgentType
		}
	})
	return agent
}

// powerOffAgents: what vSphere Cluster Services does when the host enters
// maintenance mode - its agent VMs are stopped, they do not block it.
func powerOffAgents(h hostSnap) {
	for _, ref := range h.vms {
		vm := getVM(ref)
		if vm == nil || !isAgentVM(vm) || snapVM(vm).power != types.VirtualMachinePowerStatePoweredOn {
			continue
		}
		update(vm,
			change("runtime.powerState", types.VirtualMachinePowerStatePoweredOff),
			change("summary.runtime.powerState", types.VirtualMachinePowerStatePoweredOff))
	}
	refreshHostStats(h.ref)
}

// ReconfigureComputeResource_Task: the stock simulator ignores drsConfig;
// here enabled and defaultVmBehavior are validated and applied first.
func (p *clusterProxy) ReconfigureComputeResourceTask(ctx *simulator.Context, req *types.ReconfigureComputeResource_Task) soap.HasFault {
	c, ok := simulator.Map.Get(p.real).(*simulator.ClusterComputeResource)
	if !ok {
		return &methods.ReconfigureComputeResource_TaskBody{Fault_: notFound(p.real)}
	}
	if spec, ok := req.Spec.(*types.ClusterConfigSpecEx); ok && spec.DrsConfig != nil {
		drs := spec.DrsConfig
		switch drs.DefaultVmBehavior {
		case "", types.DrsBehaviorManual, types.DrsBehaviorPartiallyAutomated, types.DrsBehaviorFullyAutomated:
		default:
			return &methods.ReconfigureComputeResource_TaskBody{Fault_: simulator.Fault(
				fmt.Sprintf("A specified parameter was not correct: drsConfig.defaultVmBehavior %q", drs.DefaultVmBehavior),
				&types.InvalidArgument{InvalidProperty: "drsConfig.defaultVmBehavior"})}
		}
		withLock(c, func() {
			cfg := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
			if !req.Modify {
				cfg.DrsConfig = types.ClusterDrsConfigInfo{Enabled: types.NewBool(false), DefaultVmBehavior: types.DrsBehaviorFullyAutomated}
			}
			if drs.Enabled != nil {
				cfg.DrsConfig.Enabled = drs.Enabled
			}
			if drs.DefaultVmBehavior != "" {
				cfg.DrsConfig.DefaultVmBehavior = drs.DefaultVmBehavior
			}
			c.Configuration.DrsConfig = cfg.DrsConfig
			simulator.Map.Update(c, []types.PropertyChange{change("configurationEx", cfg)})
		})
	}
	var res soap.HasFault
	withLock(c, func() { res = c.ReconfigureComputeResourceTask(req) })
	return res
}

// drsAutomated: DRS enabled and fully automated for the cluster (per-VM overrides apart).
func drsAutomated(c *simulator.ClusterComputeResource) (auto bool, overrides map[types.ManagedObjectReference]bool) {
	overrides = map[types.ManagedObjectReference]bool{}
	withLock(c, func() {
		cfg := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
		auto = cfg.DrsConfig.Enabled != nil && *cfg.DrsConfig.Enabled &&
			cfg.DrsConfig.DefaultVmBehavior == types.DrsBehaviorFullyAutomated
		for _, o := range cfg.DrsVmConfig {
			overrides[o.Key] = (o.Enabled == nil || *o.Enabled) && (o.Behavior == "" || o.Behavior == types.DrsBehaviorFullyAutomated)
		}
	})
	return
}

type loadedHost struct {
	snap hostSnap
	used int64
}

// drsBalancer: every interval, with DRS fully automated, move the smallest
// movable VM from the busiest host to the least busy one when that narrows the
// gap. Hosts in or entering maintenance mode, disconnected or dedicated to HA
// failover are left out. DRS rules are not evaluated (VMs named in a rule or
// group are never moved), nor is anything but configured memory.
func drsBalancer(cluster types.ManagedObjectReference, every time.Duration) {
	for range time.Tick(every) {
		c, ok := simulator.Map.Get(cluster).(*simulator.ClusterComputeResource)
		if !ok {
			return
		}
		auto, overrides := drsAutomated(c)
		if !auto {
			continue
		}
		drsBalanceOnce(c, overrides)
	}
}

func drsBalanceOnce(c *simulator.ClusterComputeResource, overrides map[types.ManagedObjectReference]bool) {
	var hostRefs []types.ManagedObjectReference
	ruled := map[types.ManagedObjectReference]bool{}
	withLock(c, func() {
		hostRefs = append(hostRefs, c.Host...)
		cfg := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
		for _, g := range cfg.Group {
			if vg, ok := g.(*types.ClusterVmGroup); ok {
				for _, v := range vg.Vm {
					ruled[v] = true
				}
			}
		}
		for _, r := range cfg.Rule {
			switch x := r.(type) {
			case *types.ClusterAffinityRuleSpec:
				for _, v := range x.Vm {
					ruled[v] = true
				}
			case *types.ClusterAntiAffinityRuleSpec:
				for _, v := range x.Vm {
					ruled[v] = true
				}
			}
		}
	})
	var hosts []loadedHost
	for _, ref := range hostRefs {
		hs := snapHost(ref)
		x := state.host(ref)
		entering := false
		if x != nil {
			state.mu.Lock()
			entering = x.entering
			state.mu.Unlock()
		}
		if hs.conn != types.HostSystemConnectionStateConnected || hs.inMM || entering || failoverHost(ref) {
			continue
		}
		_, used := poweredOnVMs(hs, types.ManagedObjectReference{})
		hosts = append(hosts, loadedHost{snap: hs, used: used + incomingMB(x)})
	}
	if len(hosts) < 2 {
		return
	}
	sort.Slice(hosts, func(i, j int) bool { return hosts[i].used < hosts[j].used })
	lo, hi := hosts[0], hosts[len(hosts)-1]
	var pick *vmSnap
	for _, ref := range hi.snap.vms {
		vm := getVM(ref)
		if vm == nil || isAgentVM(vm) || ruled[ref] {
			continue
		}
		if ok, set := overrides[ref]; set && !ok {
			continue
		}
		s := snapVM(vm)
		state.mu.Lock()
		_, busy := state.busyVMs[ref]
		state.mu.Unlock()
		if busy || s.power != types.VirtualMachinePowerStatePoweredOn || !hostsShareFiles(s, lo.snap) {
			continue
		}
		if lo.used+s.memMB >= hi.used-s.memMB || (pick != nil && pick.memMB <= s.memMB) {
			continue
		}
		if lo.snap.memMB-state.host(lo.snap.ref).reservedMB-lo.used < s.memMB {
			continue
		}
		picked := s
		pick = &picked
	}
	if pick == nil {
		return
	}
	commitMove(*pick, hi.snap, lo.snap, pick.pool, nil)
}

func hostsShareFiles(vs vmSnap, dst hostSnap) bool {
	for _, name := range vs.fileDS {
		if !dst.mounts(name) {
			return false
		}
	}
	return true
}

func incomingMB(x *hostExtra) int64 {
	if x == nil {
		return 0
	}
	capMu.Lock()
	defer capMu.Unlock()
	var total int64
	for _, mb := range x.incomingMB {
		total += mb
	}
	return total
}
