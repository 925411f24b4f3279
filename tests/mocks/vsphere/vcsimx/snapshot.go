package main

// Consistent copies of what the migration and maintenance logic needs from
// simulator objects, each read under the object's own lock (never nested).

import (
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type cdromInfo struct {
	label     string
	iso       string
	device    string // a drive of the host (ATAPI or passthrough backing)
	ds        string
	connected bool
}

type vmSnap struct {
	ref     types.ManagedObjectReference
	name    string
	host    types.ManagedObjectReference
	pool    types.ManagedObjectReference
	power   types.VirtualMachinePowerState
	memMB   int64
	diskMB  int64
	fileDS  []string // datastores holding the VM's config and disks
	vmxPath string
	cdroms  []cdromInfo
}

func dsNameOf(p string) string {
	var dp object.DatastorePath
	if dp.FromString(p) {
		return dp.Datastore
	}
	return ""
}

func addUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func snapVM(vm *simulator.VirtualMachine) vmSnap {
	var s vmSnap
	withLock(vm, func() {
		s.ref = vm.Self
		s.name = vm.Name
		if vm.Runtime.Host != nil {
			s.host = *vm.Runtime.Host
		}
		if vm.ResourcePool != nil {
			s.pool = *vm.ResourcePool
		}
		s.power = vm.Runtime.PowerState
		if vm.Config == nil {
			return
		}
		s.memMB = int64(vm.Config.Hardware.MemoryMB)
		if vm.Config.Files.VmPathName != "" {
			s.vmxPath = vm.Config.Files.VmPathName
			s.fileDS = addUnique(s.fileDS, dsNameOf(s.vmxPath))
		}
		for _, d := range vm.Config.Hardware.Device {
			switch x := d.(type) {
			case *types.VirtualDisk:
				s.diskMB += x.CapacityInKB / 1024
				if b, ok := x.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
					if n := dsNameOf(b.GetVirtualDeviceFileBackingInfo().FileName); n != "" {
						s.fileDS = addUnique(s.fileDS, n)
					}
				}
			case *types.VirtualCdrom:
				c := cdromInfo{label: "CD/DVD drive"}
				if x.DeviceInfo != nil {
					c.label = x.DeviceInfo.GetDescription().Label
				}
				if x.Connectable != nil {
					c.connected = x.Connectable.Connected
				}
				switch b := x.Backing.(type) {
				case *types.VirtualCdromIsoBackingInfo:
					c.iso = b.FileName
					c.ds = dsNameOf(b.FileName)
				case *types.VirtualCdromAtapiBackingInfo:
					c.device = b.DeviceName
				case *types.VirtualCdromPassthroughBackingInfo:
					c.device = b.DeviceName
				}
				s.cdroms = append(s.cdroms, c)
			}
		}
	})
	return s
}

type hostSnap struct {
	ref        types.ManagedObjectReference
	name       string
	conn       types.HostSystemConnectionState
	inMM       bool
	memMB      int64
	datastores []types.ManagedObjectReference
	vms        []types.ManagedObjectReference
	parent     types.ManagedObjectReference
}

func snapHost(ref types.ManagedObjectReference) hostSnap {
	s := hostSnap{ref: ref}
	h := getHost(ref)
	if h == nil {
		return s
	}
	withLock(h, func() {
		s.name = h.Name
		s.conn = h.Runtime.ConnectionState
		s.inMM = h.Runtime.InMaintenanceMode
		s.memMB = h.Hardware.MemorySize / (1024 * 1024)
		s.datastores = append(s.datastores, h.Datastore...)
		s.vms = append(s.vms, h.Vm...)
		if h.Parent != nil {
			s.parent = *h.Parent
		}
	})
	return s
}

func (h hostSnap) mounts(dsName string) bool {
	for _, ref := range h.datastores {
		if ds, ok := simulator.Map.Get(ref).(*simulator.Datastore); ok && ds.Name == dsName {
			return true
		}
	}
	return false
}

func datastoreByName(name string) *simulator.Datastore {
	for _, e := range simulator.Map.All("Datastore") {
		if ds, ok := e.(*simulator.Datastore); ok && ds.Name == name {
			return ds
		}
	}
	return nil
}

// poweredOnVMs returns the powered-on VMs on a host (name and memory), except skip.
func poweredOnVMs(h hostSnap, skip types.ManagedObjectReference) (names []string, memMB int64) {
	return poweredOn(h, skip, false)
}

// poweredOn: as poweredOnVMs, leaving vCLS agent VMs out when noAgents.
func poweredOn(h hostSnap, skip types.ManagedObjectReference, noAgents bool) (names []string, memMB int64) {
	for _, ref := range h.vms {
		if ref == skip {
			continue
		}
		vm := getVM(ref)
		if vm == nil || (noAgents && isAgentVM(vm)) {
			continue
		}
		s := snapVM(vm)
		if s.power == types.VirtualMachinePowerStatePoweredOn {
			names = append(names, s.name)
			memMB += s.memMB
		}
	}
	return
}

// rootPool returns the root resource pool of a (cluster) compute resource.
func rootPool(cr types.ManagedObjectReference) *types.ManagedObjectReference {
	switch x := simulator.Map.Get(cr).(type) {
	case *simulator.ClusterComputeResource:
		return x.ResourcePool
	case *mo.ComputeResource:
		return x.ResourcePool
	}
	return nil
}

func poolOwner(pool types.ManagedObjectReference) types.ManagedObjectReference {
	if p, ok := simulator.Map.Get(pool).(*simulator.ResourcePool); ok {
		return p.Owner
	}
	return types.ManagedObjectReference{}
}
