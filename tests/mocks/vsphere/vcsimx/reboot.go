package main

// RebootHost_Task as vCenter does it for a host it manages (vSphere Web Services
// API, HostSystem.RebootHost_Task): refused with InvalidState when force is
// false and the host is not in maintenance mode; otherwise the task succeeds
// once the host has taken the command, the host then stops answering
// (runtime.connectionState notResponding) for reboot.down_seconds, and comes
// back connected with a new runtime.bootTime, still in maintenance mode.
// A forced reboot powers off the VMs still running on the host (no HA restart
// is simulated). Stock vcsim (0.24.2 and govmomi's current simulator) does not
// implement RebootHost_Task.

import (
	"fmt"
	"sort"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// RebootOpts: scenario key "reboot".
type RebootOpts struct {
	// DownSeconds: how long a rebooting host is notResponding (default 3).
	DownSeconds *float64 `json:"down_seconds"`
	// ShutdownSeconds: from the task's success until the host stops answering (default 0.3).
	ShutdownSeconds *float64 `json:"shutdown_seconds"`
}

func (r *RebootOpts) normalize() error {
	defaults := []struct {
		value **float64
		name  string
		def   float64
	}{{&r.DownSeconds, "down_seconds", 3}, {&r.ShutdownSeconds, "shutdown_seconds", 0.3}}
	for _, d := range defaults {
		if *d.value == nil {
			v := d.def
			*d.value = &v
		} else if **d.value < 0 {
			return fmt.Errorf("reboot.%s must not be negative", d.name)
		}
	}
	return nil
}

// rebootDown is the host's own down time (set through the control endpoint) or the scenario's.
func rebootDown(x *hostExtra) time.Duration {
	state.mu.Lock()
	defer state.mu.Unlock()
	if x.rebootDownSeconds != nil {
		return seconds(*x.rebootDownSeconds)
	}
	return seconds(*state.scenario.Reboot.DownSeconds)
}

// hostCapability: what the tests read of HostSystem.capability (stock vcsim 0.24.2 leaves it nil, and reading
// it then breaks the connection).
func hostCapability(hs *HostSpec) *types.HostCapability {
	reboot := hs.RebootSupported == nil || *hs.RebootSupported
	return &types.HostCapability{
		RebootSupported:          reboot,
		ShutdownSupported:        reboot,
		VmotionSupported:         true,
		MaintenanceModeSupported: true,
		MaxSupportedVMs:          1024,
		MaxRunningVMs:            1024,
		MaxSupportedVcpus:        768,
	}
}

func (p *hostProxy) RebootHostTask(ctx *simulator.Context, req *types.RebootHost_Task) soap.HasFault {
	body := &methods.RebootHost_TaskBody{}
	h := getHost(p.real)
	x := state.host(p.real)
	if h == nil || x == nil {
		body.Fault_ = notFound(p.real)
		return body
	}
	hs := snapHost(p.real)
	j := newJob(h, hs.name, "RebootHost_Task", "HostSystem.reboot", false)
	body.Res = &types.RebootHost_TaskResponse{}
	if hs.conn != types.HostSystemConnectionStateConnected {
		body.Res.Returnval = j.failNow(fail(&types.HostNotConnected{},
			fmt.Sprintf("Unable to communicate with the remote host, since it is disconnected: host %s is %s.", hostLabel(hs), hs.conn)))
		return body
	}
	supported := true
	withLock(h, func() { supported = h.Capability == nil || h.Capability.RebootSupported })
	if !supported {
		body.Res.Returnval = j.failNow(fail(&types.NotSupported{},
			fmt.Sprintf("The operation is not supported on the object: host %s does not support reboot (capability.rebootSupported is false).", hostLabel(hs))))
		return body
	}
	if !req.Force && !hs.inMM {
		body.Res.Returnval = j.failNow(fail(&types.InvalidState{},
			fmt.Sprintf("The operation is not allowed in the current state: host %s is not in maintenance mode (reboot it with force, or enter maintenance mode first).", hostLabel(hs))))
		return body
	}
	state.mu.Lock()
	if x.rebooting {
		state.mu.Unlock()
		body.Res.Returnval = j.failNow(fail(&types.TaskInProgress{},
			fmt.Sprintf("Another task is already in progress: host %s is already rebooting.", hostLabel(hs))))
		return body
	}
	x.rebooting = true
	x.reboots++
	state.mu.Unlock()
	shutdown := seconds(*state.scenario.Reboot.ShutdownSeconds)
	down := rebootDown(x)
	body.Res.Returnval = j.start(func(j *job) (types.AnyType, *jobError) {
		j.progress(50)
		go bounce(p.real, x, shutdown, down)
		return nil, nil
	})
	return body
}

// bounce takes the host down after shutdown, then brings it back after down with a new boot time.
func bounce(ref types.ManagedObjectReference, x *hostExtra, shutdown, down time.Duration) {
	defer func() {
		state.mu.Lock()
		x.rebooting = false
		state.mu.Unlock()
	}()
	time.Sleep(shutdown)
	h := getHost(ref)
	setConnection(h, types.HostSystemConnectionStateNotResponding)
	for _, vm := range snapHost(ref).vms {
		if v := getVM(vm); v != nil && snapVM(v).power == types.VirtualMachinePowerStatePoweredOn {
			update(v,
				change("runtime.powerState", types.VirtualMachinePowerStatePoweredOff),
				change("summary.runtime.powerState", types.VirtualMachinePowerStatePoweredOff),
			)
		}
	}
	refreshHostStats(ref)
	time.Sleep(down)
	boot := time.Now()
	update(h,
		change("runtime.bootTime", boot),
		change("summary.runtime.bootTime", boot),
	)
	setConnection(h, types.HostSystemConnectionStateConnected)
	refreshHostStats(ref)
}

func setConnection(h *simulator.HostSystem, cs types.HostSystemConnectionState) {
	update(h,
		change("runtime.connectionState", cs),
		change("summary.runtime.connectionState", cs),
	)
	refreshClusterSummaries()
}

// State report additions (GET /_vcsimx/state): boot times, VMs and the tasks vcsimx ran.

type vmReport struct {
	Name  string `json:"name"`
	Host  string `json:"host"`
	Power string `json:"power_state"`
}

type taskReport struct {
	Name   string `json:"name"`
	Entity string `json:"entity"`
	State  string `json:"state"`
}

func bootTime(ref types.ManagedObjectReference) string {
	h := getHost(ref)
	if h == nil {
		return ""
	}
	var out string
	withLock(h, func() {
		if h.Runtime.BootTime != nil {
			out = h.Runtime.BootTime.UTC().Format(time.RFC3339Nano)
		}
	})
	return out
}

func vmReports() []vmReport {
	out := []vmReport{}
	for _, e := range simulator.Map.All("VirtualMachine") {
		vm, ok := e.(*simulator.VirtualMachine)
		if !ok {
			continue
		}
		s := snapVM(vm)
		out = append(out, vmReport{Name: s.name, Host: snapHost(s.host).name, Power: string(s.power)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func taskReports() []taskReport {
	state.mu.Lock()
	jobs := make([]*job, 0, len(state.jobs))
	for _, j := range state.jobs {
		jobs = append(jobs, j)
	}
	state.mu.Unlock()
	type row struct {
		queued time.Time
		report taskReport
	}
	rows := make([]row, 0, len(jobs))
	for _, j := range jobs {
		var r row
		withLock(j.task, func() {
			r.queued = j.task.Info.QueueTime
			r.report = taskReport{Name: j.task.Info.Name, Entity: j.task.Info.EntityName, State: string(j.task.Info.State)}
		})
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].queued.Before(rows[j].queued) })
	out := make([]taskReport, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.report)
	}
	return out
}
