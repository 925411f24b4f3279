package main

// HostVirtualNicManager (HostSystem.configManager.virtualNicManager): which
// VMkernel adapters carry which service. The selection is mirrored into the
// host's config.virtualNicManagerInfo.netConfig (and the legacy
// config.vmotion.netConfig.selectedVnic) so property reads see it.

import (
	"fmt"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var nicTypes = []struct {
	name  string
	multi bool
}{
	{"faultToleranceLogging", true},
	{"management", true},
	{"vmotion", true},
	{"vSphereProvisioning", true},
	{"vSphereReplication", true},
	{"vSphereReplicationNFC", true},
	{"vsan", true},
}

type vnicManager struct {
	mo.HostVirtualNicManager
	host     types.ManagedObjectReference
	hostName string
	vnics    []types.HostVirtualNic
}

func vnicKey(nicType, device string) string {
	return fmt.Sprintf("%s.key-vim.host.VirtualNic-%s", nicType, device)
}

func newVnicManager(host *simulator.HostSystem, vnics []types.HostVirtualNic, selected map[string][]string) *vnicManager {
	m := &vnicManager{host: host.Self, hostName: host.Name, vnics: vnics}
	m.Self = types.ManagedObjectReference{Type: "HostVirtualNicManager", Value: "virtualNicManager-" + host.Self.Value}
	for _, t := range nicTypes {
		nc := types.VirtualNicManagerNetConfig{NicType: t.name, MultiSelectAllowed: t.multi}
		for _, v := range vnics {
			c := v
			c.Key = vnicKey(t.name, v.Device)
			nc.CandidateVnic = append(nc.CandidateVnic, c)
		}
		for _, dev := range selected[t.name] {
			nc.SelectedVnic = append(nc.SelectedVnic, vnicKey(t.name, dev))
		}
		m.Info.NetConfig = append(m.Info.NetConfig, nc)
	}
	return m
}

func (m *vnicManager) netConfig(nicType string) *types.VirtualNicManagerNetConfig {
	for i := range m.Info.NetConfig {
		if m.Info.NetConfig[i].NicType == nicType {
			return &m.Info.NetConfig[i]
		}
	}
	return nil
}

func (m *vnicManager) hasDevice(dev string) bool {
	for _, v := range m.vnics {
		if v.Device == dev {
			return true
		}
	}
	return false
}

// copyInfo returns a deep enough copy for publishing as a property value.
func (m *vnicManager) copyInfo() []types.VirtualNicManagerNetConfig {
	out := make([]types.VirtualNicManagerNetConfig, len(m.Info.NetConfig))
	for i, nc := range m.Info.NetConfig {
		out[i] = nc
		out[i].CandidateVnic = append([]types.HostVirtualNic(nil), nc.CandidateVnic...)
		out[i].SelectedVnic = append([]string(nil), nc.SelectedVnic...)
	}
	return out
}

// publish pushes the selection to the manager's info and to the host config.
func (m *vnicManager) publish() {
	simulator.Map.Update(m, []types.PropertyChange{change("info.netConfig", m.copyInfo())})
	legacy := ""
	if nc := m.netConfig("vmotion"); nc != nil && len(nc.SelectedVnic) > 0 {
		legacy = nc.SelectedVnic[0]
	}
	hostCfg := m.copyInfo()
	update(getHost(m.host),
		change("config.virtualNicManagerInfo.netConfig", hostCfg),
		change("config.vmotion.netConfig.selectedVnic", legacy),
	)
}

func (m *vnicManager) QueryNetConfig(req *types.QueryNetConfig) soap.HasFault {
	body := &methods.QueryNetConfigBody{}
	nc := m.netConfig(req.NicType)
	if nc == nil {
		body.Fault_ = simulator.Fault(fmt.Sprintf("A specified parameter was not correct: nicType %q", req.NicType),
			&types.InvalidArgument{InvalidProperty: "nicType"})
		return body
	}
	c := *nc
	c.CandidateVnic = append([]types.HostVirtualNic(nil), nc.CandidateVnic...)
	c.SelectedVnic = append([]string(nil), nc.SelectedVnic...)
	body.Res = &types.QueryNetConfigResponse{Returnval: &c}
	return body
}

func (m *vnicManager) check(nicType, device string) *soap.Fault {
	if m.netConfig(nicType) == nil {
		return simulator.Fault(fmt.Sprintf("A specified parameter was not correct: nicType %q", nicType),
			&types.InvalidArgument{InvalidProperty: "nicType"})
	}
	if !m.hasDevice(device) {
		return simulator.Fault(fmt.Sprintf("The object or item referred to could not be found: VMkernel adapter %q on host %s", device, m.hostName),
			&types.NotFound{})
	}
	return nil
}

func (m *vnicManager) SelectVnicForNicType(req *types.SelectVnicForNicType) soap.HasFault {
	body := &methods.SelectVnicForNicTypeBody{}
	if f := m.check(req.NicType, req.Device); f != nil {
		body.Fault_ = f
		return body
	}
	nc := m.netConfig(req.NicType)
	key := vnicKey(req.NicType, req.Device)
	found := false
	for _, k := range nc.SelectedVnic {
		found = found || k == key
	}
	if !found {
		if nc.MultiSelectAllowed {
			nc.SelectedVnic = append(nc.SelectedVnic, key)
		} else {
			nc.SelectedVnic = []string{key}
		}
		m.publish()
	}
	body.Res = &types.SelectVnicForNicTypeResponse{}
	return body
}

func (m *vnicManager) DeselectVnicForNicType(req *types.DeselectVnicForNicType) soap.HasFault {
	body := &methods.DeselectVnicForNicTypeBody{}
	if f := m.check(req.NicType, req.Device); f != nil {
		body.Fault_ = f
		return body
	}
	nc := m.netConfig(req.NicType)
	key := vnicKey(req.NicType, req.Device)
	var keep []string
	for _, k := range nc.SelectedVnic {
		if k != key {
			keep = append(keep, k)
		}
	}
	if len(keep) != len(nc.SelectedVnic) {
		nc.SelectedVnic = keep
		m.publish()
	}
	body.Res = &types.DeselectVnicForNicTypeResponse{}
	return body
}

// vmotionVnic returns the first vMotion-enabled adapter (device, ip), or
// ok=false. An adapter on the vMotion TCP/IP stack carries vMotion whether or
// not it is selected, and then the default stack's adapters no longer do.
func (m *vnicManager) vmotionVnic() (dev, ip string, ok bool) {
	withLock(m, func() {
		for _, v := range m.vnics {
			if v.Spec.NetStackInstanceKey == "vmotion" {
				dev, ok = v.Device, true
				if v.Spec.Ip != nil {
					ip = v.Spec.Ip.IpAddress
				}
				return
			}
		}
		nc := m.netConfig("vmotion")
		if nc == nil || len(nc.SelectedVnic) == 0 {
			return
		}
		for _, v := range nc.CandidateVnic {
			if v.Key == nc.SelectedVnic[0] {
				dev, ok = v.Device, true
				if v.Spec.Ip != nil {
					ip = v.Spec.Ip.IpAddress
				}
			}
		}
	})
	return
}
