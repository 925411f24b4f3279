package main

// MigrateVM_Task and RelocateVM_Task: vMotion, cold migration and Storage
// vMotion, taking time in proportion to memory (and disk for storage moves)
// and failing like vCenter for the seed-003 cases.

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const mib = 1024 * 1024

// capMu serialises memory admission (check + reserve) on target hosts and
// guards hostExtra.incomingMB.
var capMu sync.Mutex

type moveRequest struct {
	vm     types.ManagedObjectReference
	host   *types.ManagedObjectReference
	pool   *types.ManagedObjectReference
	ds     *types.ManagedObjectReference
	state  types.VirtualMachinePowerState
	method string
	descID string
}

func notFound(ref types.ManagedObjectReference) *soap.Fault {
	return simulator.Fault(fmt.Sprintf("The object '%s:%s' has already been deleted or has not been completely created", ref.Type, ref.Value),
		&types.ManagedObjectNotFound{Obj: ref})
}

func (p *vmProxy) MigrateVMTask(ctx *simulator.Context, req *types.MigrateVM_Task) soap.HasFault {
	body := &methods.MigrateVM_TaskBody{}
	if req.Host == nil {
		body.Fault_ = simulator.Fault("A specified parameter was not correct: host (this mock has no DRS placement: name the destination host)",
			&types.InvalidArgument{InvalidProperty: "host"})
		return body
	}
	ref, f := startMove(moveRequest{vm: p.real, host: req.Host, pool: req.Pool, state: req.State,
		method: "MigrateVM_Task", descID: "VirtualMachine.migrate"})
	if f != nil {
		body.Fault_ = f
		return body
	}
	body.Res = &types.MigrateVM_TaskResponse{Returnval: ref}
	return body
}

func (p *vmProxy) RelocateVMTask(ctx *simulator.Context, req *types.RelocateVM_Task) soap.HasFault {
	body := &methods.RelocateVM_TaskBody{}
	if req.Spec.Folder != nil || len(req.Spec.DeviceChange) > 0 || len(req.Spec.Disk) > 0 {
		// Not modelled: say so rather than pretend.
		body.Fault_ = simulator.Fault("vcsimx: RelocateVM_Task supports spec.host, spec.pool and spec.datastore only",
			&types.NotSupported{})
		return body
	}
	ref, f := startMove(moveRequest{vm: p.real, host: req.Spec.Host, pool: req.Spec.Pool, ds: req.Spec.Datastore,
		method: "RelocateVM_Task", descID: "VirtualMachine.relocate"})
	if f != nil {
		body.Fault_ = f
		return body
	}
	body.Res = &types.RelocateVM_TaskResponse{Returnval: ref}
	return body
}

func startMove(r moveRequest) (types.ManagedObjectReference, *soap.Fault) {
	vm := getVM(r.vm)
	if vm == nil {
		return types.ManagedObjectReference{}, notFound(r.vm)
	}
	if r.host != nil && getHost(*r.host) == nil {
		return types.ManagedObjectReference{}, notFound(*r.host)
	}
	if r.pool != nil {
		if _, ok := simulator.Map.Get(*r.pool).(*simulator.ResourcePool); !ok {
			return types.ManagedObjectReference{}, notFound(*r.pool)
		}
	}
	if r.ds != nil {
		if _, ok := simulator.Map.Get(*r.ds).(*simulator.Datastore); !ok {
			return types.ManagedObjectReference{}, notFound(*r.ds)
		}
	}
	s := snapVM(vm)
	j := newJob(vm, s.name, r.method, r.descID, true)

	state.mu.Lock()
	if t, busy := state.busyVMs[r.vm]; busy {
		state.mu.Unlock()
		return j.failNow(fail(&types.TaskInProgress{Task: t},
			fmt.Sprintf("Another task is already in progress on virtual machine '%s'.", s.name))), nil
	}
	state.busyVMs[r.vm] = j.ref()
	state.mu.Unlock()

	return j.start(func(j *job) (types.AnyType, *jobError) {
		defer func() {
			state.mu.Lock()
			delete(state.busyVMs, r.vm)
			state.mu.Unlock()
		}()
		return nil, runMove(j, r)
	}), nil
}

func hostLabel(h hostSnap) string { return fmt.Sprintf("'%s'", h.name) }

func runMove(j *job, r moveRequest) *jobError {
	vs := snapVM(getVM(r.vm))
	if r.state != "" && r.state != vs.power {
		return fail(&types.InvalidPowerState{RequestedState: r.state, ExistingState: vs.power},
			fmt.Sprintf("The attempted operation cannot be performed in the current state (%s); the request asked for a %s virtual machine.", vs.power, r.state))
	}
	src := snapHost(vs.host)
	dstRef := vs.host
	if r.host != nil {
		dstRef = *r.host
	}
	dst := snapHost(dstRef)

	var newDS *simulator.Datastore
	if r.ds != nil {
		newDS = simulator.Map.Get(*r.ds).(*simulator.Datastore)
		if len(vs.fileDS) == 1 && vs.fileDS[0] == newDS.Name {
			newDS = nil // already there
		}
	}
	newPool := vs.pool
	if r.pool != nil {
		newPool = *r.pool
		if owner := poolOwner(newPool); owner != dst.parent {
			return fail(&types.InvalidArgument{InvalidProperty: "pool"},
				fmt.Sprintf("A specified parameter was not correct: resource pool %s does not belong to the compute resource of host %s", newPool.Value, hostLabel(dst)))
		}
	} else if poolOwner(vs.pool) != dst.parent {
		if rp := rootPool(dst.parent); rp != nil {
			newPool = *rp
		}
	}
	moveHost := dst.ref != src.ref
	if !moveHost && newDS == nil && newPool == vs.pool {
		return nil // nothing to do
	}
	live := vs.power == types.VirtualMachinePowerStatePoweredOn && moveHost

	// Compatibility checks: vCenter reports these before any data moves.
	for _, h := range []hostSnap{src, dst} {
		if h.conn != types.HostSystemConnectionStateConnected {
			return fail(&types.HostNotConnected{},
				fmt.Sprintf("Unable to communicate with the remote host, since it is disconnected: host %s is %s.", hostLabel(h), h.conn))
		}
	}
	if moveHost {
		entering := false
		if x := state.host(dst.ref); x != nil {
			state.mu.Lock()
			entering = x.entering
			state.mu.Unlock()
		}
		if dst.inMM || entering {
			what := "in maintenance mode"
			if !dst.inMM {
				what = "entering maintenance mode"
			}
			return fail(&types.InvalidHostState{Host: &dst.ref},
				fmt.Sprintf("The operation is not allowed in the current state of the host: host %s is %s.", hostLabel(dst), what))
		}
	}
	if moveHost && vs.power == types.VirtualMachinePowerStatePoweredOn && failoverHost(dst.ref) {
		return failoverHostError(vs.name, dst)
	}
	if newDS != nil {
		if !dst.mounts(newDS.Name) {
			return fail(&types.InaccessibleDatastore{InvalidDatastore: types.InvalidDatastore{Datastore: &newDS.Self, Name: newDS.Name}, Detail: "not mounted on " + dst.name},
				fmt.Sprintf("The datastore '%s' is not accessible from host %s.", newDS.Name, hostLabel(dst)))
		}
	} else if moveHost {
		for _, name := range vs.fileDS {
			if !dst.mounts(name) {
				ds := datastoreByName(name)
				var ref *types.ManagedObjectReference
				if ds != nil {
					ref = &ds.Self
				}
				return fail(&types.InaccessibleDatastore{InvalidDatastore: types.InvalidDatastore{Datastore: ref, Name: name}, Detail: "not mounted on " + dst.name},
					fmt.Sprintf("Virtual machine '%s' has files on datastore '%s', which is not accessible from host %s; relocate its storage as well (Storage vMotion).", vs.name, name, hostLabel(dst)))
			}
		}
	}
	if live {
		for _, h := range []hostSnap{src, dst} {
			x := state.host(h.ref)
			if _, _, ok := x.vnics.vmotionVnic(); !ok {
				side := "destination"
				if h.ref == src.ref {
					side = "source"
				}
				return fail(&types.VMotionNotConfigured{VMotionInterfaceIssue: types.VMotionInterfaceIssue{
					AtSourceHost: h.ref == src.ref, FailedHost: h.name, FailedHostEntity: &h.ref}},
					fmt.Sprintf("The vMotion interface is not configured (or is misconfigured) on the %s host %s: no VMkernel adapter has the vMotion service enabled.", side, hostLabel(h)))
			}
		}
		for _, c := range vs.cdroms {
			if c.connected && c.device != "" {
				return fail(&types.CannotAccessVmDevice{Device: c.label, Backing: c.device, Connected: true},
					fmt.Sprintf("Currently connected device '%s' uses backing '%s', which is not accessible from host %s.", c.label, c.device, hostLabel(dst)))
			}
			if c.connected && c.iso != "" && (c.ds == "" || !dst.mounts(c.ds)) {
				return fail(&types.CannotAccessVmDevice{Device: c.label, Backing: c.iso, Connected: true},
					fmt.Sprintf("Currently connected device '%s' uses backing '%s', which is not accessible from host %s.", c.label, c.iso, hostLabel(dst)))
			}
		}
	}

	// Admission: a powered-on VM needs its memory free on the target.
	var release func()
	if live {
		var jerr *jobError
		release, jerr = reserveMemory(vs, dst)
		if jerr != nil {
			return jerr
		}
		defer release()
	}

	speed := state.speed()
	var dur time.Duration
	if live {
		dur = seconds(float64(vs.memMB) / speed)
	} else {
		dur = seconds(state.scenario.Migration.ColdSeconds)
	}
	if newDS != nil {
		dur += seconds(float64(vs.diskMB) / speed)
	}

	checkpoint := dur / 5 // vMotion failures show at 20%
	begin := time.Now()
	checked := !live
	for {
		elapsed := time.Since(begin)
		if !checked && elapsed >= checkpoint {
			checked = true
			j.progress(20)
			if err := runtimeChecks(vs, src, dst); err != nil {
				if !j.sleep(state.stall()) {
					return canceledError()
				}
				return err
			}
		}
		if elapsed >= dur {
			break
		}
		p := int32(100 * elapsed / dur)
		if p > 99 {
			p = 99
		}
		j.progress(p)
		step := 50 * time.Millisecond
		if rest := dur - elapsed; rest < step {
			step = rest
		}
		if !checked && checkpoint-elapsed < step && checkpoint > elapsed {
			step = checkpoint - elapsed
		}
		if !j.sleep(step) {
			return canceledError()
		}
	}
	if !checked {
		if err := runtimeChecks(vs, src, dst); err != nil {
			return err
		}
	}
	commitMove(vs, src, dst, newPool, newDS)
	return nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func reserveMemory(vs vmSnap, dst hostSnap) (func(), *jobError) {
	x := state.host(dst.ref)
	capMu.Lock()
	defer capMu.Unlock()
	_, used := poweredOnVMs(snapHost(dst.ref), vs.ref)
	var incoming int64
	for _, mb := range x.incomingMB {
		incoming += mb
	}
	free := dst.memMB - x.reservedMB - used - incoming
	if vs.memMB > free {
		if free < 0 {
			free = 0
		}
		return nil, fail(&types.InsufficientHostMemoryCapacityFault{
			InsufficientHostCapacityFault: types.InsufficientHostCapacityFault{Host: &dst.ref},
			Unreserved:                    free * mib, Requested: vs.memMB * mib},
			fmt.Sprintf("The host %s does not have sufficient memory resources to satisfy the request: virtual machine '%s' needs %d MB, %d MB are available.",
				hostLabel(dst), vs.name, vs.memMB, free))
	}
	x.incomingMB[vs.ref.Value] = vs.memMB
	return func() {
		capMu.Lock()
		delete(x.incomingMB, vs.ref.Value)
		capMu.Unlock()
	}, nil
}

const vmotionNetworkMsg = "The vMotion failed because the destination host did not receive data from the source host on the vMotion network. " +
	"Please check your vMotion network settings and physical network configuration and ensure they are correct."

// runtimeChecks are the failures that only show once the copy starts
// (vCenter: stuck at 20%, then an error).
func runtimeChecks(vs vmSnap, src, dst hostSnap) *jobError {
	for _, h := range []hostSnap{src, dst} {
		x := state.host(h.ref)
		if x.options.migrateEnabled() == 0 {
			return fail(&types.MigrationDisabled{},
				fmt.Sprintf("Migration of virtual machine '%s' from host %s to host %s failed: vMotion is disabled on host %s (advanced setting Migrate.Enabled = 0). %s",
					vs.name, hostLabel(src), hostLabel(dst), hostLabel(h), vmotionNetworkMsg))
		}
	}
	sx, dx := state.host(src.ref), state.host(dst.ref)
	state.mu.Lock()
	blocked := sx.networkBlocked || dx.networkBlocked
	state.mu.Unlock()
	if blocked {
		_, sip, _ := sx.vnics.vmotionVnic()
		_, dip, _ := dx.vnics.vmotionVnic()
		return fail(&types.MigrationFault{},
			fmt.Sprintf("Migration of virtual machine '%s' from host %s to host %s failed to connect to remote host <%s> from host <%s>: Timeout (TCP port 8000 unreachable). %s",
				vs.name, hostLabel(src), hostLabel(dst), dip, sip, vmotionNetworkMsg))
	}
	return nil
}

// commitMove applies the result: host.vm lists, resource pool lists, the VM's
// runtime host and pool, and for Storage vMotion the files and datastore lists.
func commitMove(vs vmSnap, src, dst hostSnap, newPool types.ManagedObjectReference, newDS *simulator.Datastore) {
	if dst.ref != src.ref {
		sh, dh := getHost(src.ref), getHost(dst.ref)
		withLock(sh, func() { simulator.Map.Update(sh, []types.PropertyChange{change("vm", refsWithout(sh.Vm, vs.ref))}) })
		withLock(dh, func() { simulator.Map.Update(dh, []types.PropertyChange{change("vm", refsWith(dh.Vm, vs.ref))}) })
	}
	if newPool != vs.pool {
		if op, ok := simulator.Map.Get(vs.pool).(*simulator.ResourcePool); ok {
			withLock(op, func() { simulator.Map.Update(op, []types.PropertyChange{change("vm", refsWithout(op.Vm, vs.ref))}) })
		}
		if np, ok := simulator.Map.Get(newPool).(*simulator.ResourcePool); ok {
			withLock(np, func() { simulator.Map.Update(np, []types.PropertyChange{change("vm", refsWith(np.Vm, vs.ref))}) })
		}
	}
	vm := getVM(vs.ref)
	hostRef, poolRef := dst.ref, newPool
	changes := []types.PropertyChange{
		change("runtime.host", &hostRef),
		change("summary.runtime.host", &hostRef),
		change("resourcePool", &poolRef),
	}
	var oldDS []types.ManagedObjectReference
	if newDS != nil {
		oldDS = moveStorage(vm, vs, newDS)
	}
	update(vm, changes...)
	for _, ref := range oldDS {
		if ds, ok := simulator.Map.Get(ref).(*simulator.Datastore); ok {
			withLock(ds, func() { simulator.Map.Update(ds, []types.PropertyChange{change("vm", refsWithout(ds.Vm, vs.ref))}) })
		}
	}
	if newDS != nil {
		withLock(newDS, func() { simulator.Map.Update(newDS, []types.PropertyChange{change("vm", refsWith(newDS.Vm, vs.ref))}) })
	}
	refreshHostStats(src.ref)
	refreshHostStats(dst.ref)
}

// rebase rewrites "[old] dir/file" to "[new] dir/file" for any old datastore in from.
func rebase(p string, from []string, to string) string {
	n := dsNameOf(p)
	for _, f := range from {
		if n == f {
			return "[" + to + "]" + strings.TrimPrefix(p, "["+n+"]")
		}
	}
	return p
}
