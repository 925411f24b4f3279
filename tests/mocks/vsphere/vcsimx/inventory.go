package main

// Builds the inventory of a scenario: through the SOAP API where the stock
// simulator does the wiring (datacenter, clusters, hosts, datastores, VMs,
// power), then directly on the simulator objects for what the API cannot set
// (host hardware, vmknics, per-host managers, states).

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25/types"
)

type builder struct {
	ctx      context.Context
	c        *govmomi.Client
	sc       *Scenario
	dataDir  string
	folders  *object.DatacenterFolders
	hosts    map[string]types.ManagedObjectReference
	hostSpec map[string]*HostSpec
	clusters map[string]types.ManagedObjectReference
	hostCl   map[string]string // host -> cluster name
	ds       map[string]types.ManagedObjectReference
	vms      map[string]types.ManagedObjectReference
}

func buildInventory(ctx context.Context, c *govmomi.Client, sc *Scenario, dataDir string) error {
	b := &builder{ctx: ctx, c: c, sc: sc, dataDir: dataDir,
		hosts: map[string]types.ManagedObjectReference{}, hostSpec: map[string]*HostSpec{},
		clusters: map[string]types.ManagedObjectReference{}, hostCl: map[string]string{},
		ds: map[string]types.ManagedObjectReference{}, vms: map[string]types.ManagedObjectReference{}}
	steps := []func() error{b.datacenter, b.clustersAndHosts, b.datastores, b.machines, b.rules, b.services, b.hostStates}
	for _, f := range steps {
		if err := f(); err != nil {
			return err
		}
	}
	refreshClusterSummaries()
	for _, ref := range b.hosts {
		refreshHostStats(ref)
	}
	return nil
}

// wait(ctx)(obj.SomeTask(...)) waits for the task and returns its result.
func wait(ctx context.Context) func(*object.Task, error) (types.AnyType, error) {
	return func(t *object.Task, err error) (types.AnyType, error) {
		if err != nil {
			return nil, err
		}
		info, err := t.WaitForResult(ctx, nil)
		if err != nil {
			return nil, err
		}
		return info.Result, nil
	}
}

func (b *builder) datacenter() error {
	dc, err := object.NewRootFolder(b.c.Client).CreateDatacenter(b.ctx, b.sc.Datacenter)
	if err != nil {
		return err
	}
	b.folders, err = dc.Folders(b.ctx)
	return err
}

func (b *builder) clustersAndHosts() error {
	for ci := range b.sc.Clusters {
		cs := &b.sc.Clusters[ci]
		cl, err := b.folders.HostFolder.CreateCluster(b.ctx, cs.Name, types.ClusterConfigSpecEx{})
		if err != nil {
			return fmt.Errorf("cluster %s: %v", cs.Name, err)
		}
		b.clusters[cs.Name] = cl.Reference()
		for hi := range cs.Hosts {
			hspec := &cs.Hosts[hi]
			res, err := wait(b.ctx)(cl.AddHost(b.ctx, types.HostConnectSpec{HostName: hspec.Name, Force: true}, true, nil, nil))
			if err != nil {
				return fmt.Errorf("host %s: %v", hspec.Name, err)
			}
			ref := res.(types.ManagedObjectReference)
			b.hosts[hspec.Name] = ref
			b.hostSpec[hspec.Name] = hspec
			b.hostCl[hspec.Name] = cs.Name
			b.configureHost(ref, hspec)
		}
		c := simulator.Map.Get(cl.Reference()).(*simulator.ClusterComputeResource)
		withLock(c, func() {
			cfg := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
			cfg.DrsConfig.Enabled = types.NewBool(cs.DRSEnabled)
			behav := cs.DRSBehav
			if behav == "" {
				behav = string(types.DrsBehaviorManual)
			}
			cfg.DrsConfig.DefaultVmBehavior = types.DrsBehavior(behav)
			c.Configuration.DrsConfig = cfg.DrsConfig
		})
	}
	return nil
}

func (b *builder) configureHost(ref types.ManagedObjectReference, hs *HostSpec) {
	h := getHost(ref)
	var vnics []types.HostVirtualNic
	for i, v := range hs.Vnics {
		vnics = append(vnics, types.HostVirtualNic{
			Device:    v.Device,
			Key:       "key-vim.host.VirtualNic-" + v.Device,
			Portgroup: v.Portgroup,
			Port:      fmt.Sprintf("key-vim.host.PortGroup.Port-%d", 33554436+i),
			Spec: types.HostVirtualNicSpec{
				Ip:                  &types.HostIpConfig{IpAddress: v.IP, SubnetMask: "255.255.255.0"},
				Mac:                 fmt.Sprintf("00:50:56:%02x:%02x:%02x", len(b.hosts)&0xff, i&0xff, 0x10),
				Portgroup:           v.Portgroup,
				Mtu:                 1500,
				TsoEnabled:          types.NewBool(true),
				NetStackInstanceKey: v.Netstack,
			},
		})
	}
	selected := map[string][]string{"management": {hs.Vnics[0].Device}}
	if *hs.VMotionVmk != "" {
		selected["vmotion"] = []string{*hs.VMotionVmk}
	}
	enabled := hs.MigrateEnabled == nil || *hs.MigrateEnabled
	opts := newHostOptionManager(h, enabled, hs.MigrateOptionType)
	vnm := newVnicManager(h, vnics, selected)
	clock := newDateTimeSystem(h, seconds(hs.ClockOffset), hs.NTPServers)
	simulator.Map.Put(opts)
	simulator.Map.Put(vnm)
	simulator.Map.Put(clock)

	withLock(h, func() {
		mem := hs.MemoryMB * mib
		h.Hardware.MemorySize = mem
		h.Summary.Hardware.MemorySize = mem
		h.Summary.Hardware.NumCpuCores = hs.CPU
		h.Summary.Hardware.NumCpuThreads = hs.CPU
		h.Summary.Hardware.NumCpuPkgs = 1
		h.Summary.Hardware.CpuMhz = hs.CPUMhz
		h.Hardware.CpuInfo.NumCpuCores = hs.CPU
		h.Hardware.CpuInfo.NumCpuThreads = hs.CPU
		h.Hardware.CpuInfo.NumCpuPackages = 1
		h.Hardware.CpuInfo.Hz = int64(hs.CPUMhz) * 1000 * 1000

		h.Config.Network.Vnic = vnics
		for _, v := range vnics {
			found := false
			for _, pg := range h.Config.Network.Portgroup {
				found = found || pg.Spec.Name == v.Portgroup
			}
			if !found {
				h.Config.Network.Portgroup = append(h.Config.Network.Portgroup, types.HostPortGroup{
					Key:  "key-vim.host.PortGroup-" + v.Portgroup,
					Spec: types.HostPortGroupSpec{Name: v.Portgroup, VswitchName: "vSwitch0"},
				})
			}
		}
		h.Config.VirtualNicManagerInfo = &types.HostVirtualNicManagerInfo{NetConfig: vnm.copyInfo()}
		legacy := types.HostVMotionNetConfig{}
		for _, v := range vnics {
			c := v
			c.Key = "VMotionConfig.vmotion." + v.Key
			legacy.CandidateVnic = append(legacy.CandidateVnic, c)
		}
		if *hs.VMotionVmk != "" {
			legacy.SelectedVnic = vnicKey("vmotion", *hs.VMotionVmk)
		}
		h.Config.Vmotion = &types.HostVMotionInfo{NetConfig: &legacy}
		info := clock.DateTimeInfo
		h.Config.DateTimeInfo = &info

		optRef, vnRef, dtRef := opts.Self, vnm.Self, clock.Self
		h.ConfigManager.AdvancedOption = &optRef
		h.ConfigManager.VirtualNicManager = &vnRef
		h.ConfigManager.DateTimeSystem = &dtRef
	})

	state.mu.Lock()
	state.hosts[ref] = &hostExtra{
		ref: ref, name: hs.Name, reservedMB: hs.MemoryReservedMB,
		networkBlocked: hs.VMotionNetBlocked, incomingMB: map[string]int64{},
		options: opts, vnics: vnm, clock: clock,
	}
	state.mu.Unlock()
}

func (b *builder) datastores() error {
	var all []string
	for _, cs := range b.sc.Clusters {
		for _, h := range cs.Hosts {
			all = append(all, h.Name)
		}
	}
	isoFiles := map[string][]string{}
	for _, vm := range b.sc.VMs {
		if vm.Cdrom != nil && vm.Cdrom.ISO != "" {
			var dp object.DatastorePath
			if dp.FromString(vm.Cdrom.ISO) && dp.Datastore != "" {
				isoFiles[dp.Datastore] = append(isoFiles[dp.Datastore], dp.Path)
			}
		}
	}
	for _, d := range b.sc.Datastores {
		dir := filepath.Join(b.dataDir, d.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for _, f := range append(append([]string(nil), d.Files...), isoFiles[d.Name]...) {
			p := filepath.Join(dir, filepath.FromSlash(f))
			_ = os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				return err
			}
		}
		hosts := d.Hosts
		if len(hosts) == 0 {
			hosts = all
		}
		first := object.NewHostSystem(b.c.Client, b.hosts[hosts[0]])
		dss, err := first.ConfigManager().DatastoreSystem(b.ctx)
		if err != nil {
			return err
		}
		ds, err := dss.CreateLocalDatastore(b.ctx, d.Name, dir)
		if err != nil {
			return fmt.Errorf("datastore %s: %v", d.Name, err)
		}
		b.ds[d.Name] = ds.Reference()
		for _, hn := range hosts[1:] {
			b.mount(ds.Reference(), b.hosts[hn])
		}
		sds := simulator.Map.Get(ds.Reference()).(*simulator.Datastore)
		withLock(sds, func() {
			capacity := d.CapacityGB * 1024 * mib
			used := sds.Summary.Capacity - sds.Summary.FreeSpace
			if used < 0 || used > capacity {
				used = 0
			}
			sds.Summary.Capacity = capacity
			sds.Summary.FreeSpace = capacity - used
			sds.Summary.MultipleHostAccess = types.NewBool(len(hosts) > 1)
			sds.Summary.Type = "VMFS"
			if len(hosts) > 1 {
				sds.Summary.Type = "NFS"
			}
			info := sds.Info.GetDatastoreInfo()
			info.FreeSpace = sds.Summary.FreeSpace
			info.MaxFileSize = info.FreeSpace
		})
	}
	return nil
}

// mount attaches an existing datastore to one more host (stock vcsim would
// create a second object with the same moref and forget the first mount).
func (b *builder) mount(dsRef, hostRef types.ManagedObjectReference) {
	h := getHost(hostRef)
	ds := simulator.Map.Get(dsRef).(*simulator.Datastore)
	withLock(ds, func() {
		ds.Host = append(ds.Host, types.DatastoreHostMount{
			Key: hostRef,
			MountInfo: types.HostMountInfo{
				Path:       ds.Info.GetDatastoreInfo().Url,
				AccessMode: string(types.HostMountModeReadWrite),
				Mounted:    types.NewBool(true),
				Accessible: types.NewBool(true),
			},
		})
	})
	var dssRef, parent types.ManagedObjectReference
	withLock(h, func() {
		h.Datastore = refsWith(h.Datastore, dsRef)
		dssRef = *h.ConfigManager.DatastoreSystem
		parent = *h.Parent
	})
	if dss, ok := simulator.Map.Get(dssRef).(*simulator.HostDatastoreSystem); ok {
		withLock(dss, func() { dss.Datastore = refsWith(dss.Datastore, dsRef) })
	}
	if c, ok := simulator.Map.Get(parent).(*simulator.ClusterComputeResource); ok {
		withLock(c, func() { c.Datastore = refsWith(c.Datastore, dsRef) })
	}
}

func (b *builder) machines() error {
	for _, v := range b.sc.VMs {
		hostRef := b.hosts[v.Host]
		cl := simulator.Map.Get(b.clusters[b.hostCl[v.Host]]).(*simulator.ClusterComputeResource)
		pool := object.NewResourcePool(b.c.Client, *cl.ResourcePool)
		host := object.NewHostSystem(b.c.Client, hostRef)

		spec := types.VirtualMachineConfigSpec{
			Name:     v.Name,
			GuestId:  v.GuestID,
			MemoryMB: int64(v.MemoryMB),
			NumCPUs:  v.CPUs,
			Files:    &types.VirtualMachineFileInfo{VmPathName: "[" + v.Datastore + "]"},
		}
		var devices object.VirtualDeviceList
		scsi, _ := devices.CreateSCSIController("pvscsi")
		devices = append(devices, scsi)
		disk := devices.CreateDisk(scsi.(types.BaseVirtualController), b.ds[v.Datastore],
			"["+v.Datastore+"] "+path.Join(v.Name, v.Name+".vmdk"))
		disk.CapacityInKB = v.DiskGB * 1024 * 1024
		ide, _ := devices.CreateIDEController()
		devices = append(devices, ide)
		cdrom, _ := devices.CreateCdrom(ide.(*types.VirtualIDEController))
		if v.Agent {
			spec.ManagedBy = &types.ManagedByInfo{ExtensionKey: eamExtension, Type: vclsAgentType}
		}
		if v.Cdrom != nil && v.Cdrom.HostDevice != "" {
			dev := types.VirtualDeviceDeviceBackingInfo{DeviceName: v.Cdrom.HostDevice, UseAutoDetect: types.NewBool(false)}
			if v.Cdrom.Passthrough {
				cdrom.Backing = &types.VirtualCdromPassthroughBackingInfo{VirtualDeviceDeviceBackingInfo: dev, Exclusive: false}
			} else {
				cdrom.Backing = &types.VirtualCdromAtapiBackingInfo{VirtualDeviceDeviceBackingInfo: dev}
			}
			cdrom.Connectable = &types.VirtualDeviceConnectInfo{
				StartConnected: v.Cdrom.Connected, Connected: v.Cdrom.Connected, AllowGuestControl: true, Status: "ok"}
		} else if v.Cdrom != nil && v.Cdrom.ISO != "" {
			cdrom = devices.InsertIso(cdrom, v.Cdrom.ISO)
			cdrom.Connectable = &types.VirtualDeviceConnectInfo{
				StartConnected: v.Cdrom.Connected, Connected: v.Cdrom.Connected, AllowGuestControl: true,
				Status: "ok",
			}
		} else {
			cdrom.Backing = &types.VirtualCdromRemotePassthroughBackingInfo{
				VirtualDeviceRemoteDeviceBackingInfo: types.VirtualDeviceRemoteDeviceBackingInfo{UseAutoDetect: types.NewBool(false)},
			}
			cdrom.Connectable = &types.VirtualDeviceConnectInfo{AllowGuestControl: true, Status: "untried"}
		}
		nic := esx.EthernetCard
		devices = append(devices, disk, cdrom, &nic)
		spec.DeviceChange, _ = devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd)

		res, err := wait(b.ctx)(b.folders.VmFolder.CreateVM(b.ctx, spec, pool, host))
		if err != nil {
			return fmt.Errorf("vm %s: %v", v.Name, err)
		}
		ref := res.(types.ManagedObjectReference)
		b.vms[v.Name] = ref
		vm := object.NewVirtualMachine(b.c.Client, ref)
		if v.PowerState != "poweredOff" {
			// Host states (maintenance, disconnected) are applied after this,
			// so a scenario may place running VMs on such hosts.
			if _, err := wait(b.ctx)(vm.PowerOn(b.ctx)); err != nil {
				return fmt.Errorf("vm %s power on: %v", v.Name, err)
			}
		}
		if v.PowerState == "suspended" {
			if _, err := wait(b.ctx)(vm.Suspend(b.ctx)); err != nil {
				return fmt.Errorf("vm %s suspend: %v", v.Name, err)
			}
		}
	}
	return nil
}

func (b *builder) rules() error {
	for _, cs := range b.sc.Clusters {
		if len(cs.Rules) == 0 && len(cs.VMGroups) == 0 && len(cs.HostGroups) == 0 {
			continue
		}
		c := simulator.Map.Get(b.clusters[cs.Name]).(*simulator.ClusterComputeResource)
		var groups []types.BaseClusterGroupInfo
		for name, members := range cs.VMGroups {
			g := &types.ClusterVmGroup{ClusterGroupInfo: types.ClusterGroupInfo{Name: name, UserCreated: types.NewBool(true)}}
			for _, m := range members {
				ref, ok := b.vms[m]
				if !ok {
					return fmt.Errorf("vm group %s: unknown vm %s", name, m)
				}
				g.Vm = append(g.Vm, ref)
			}
			groups = append(groups, g)
		}
		for name, members := range cs.HostGroups {
			g := &types.ClusterHostGroup{ClusterGroupInfo: types.ClusterGroupInfo{Name: name, UserCreated: types.NewBool(true)}}
			for _, m := range members {
				ref, ok := b.hosts[m]
				if !ok {
					return fmt.Errorf("host group %s: unknown host %s", name, m)
				}
				g.Host = append(g.Host, ref)
			}
			groups = append(groups, g)
		}
		var rules []types.BaseClusterRuleInfo
		for i, r := range cs.Rules {
			info := types.ClusterRuleInfo{
				Key:         int32(i + 1),
				Status:      types.ManagedEntityStatusGreen,
				Enabled:     types.NewBool(r.Enabled == nil || *r.Enabled),
				Name:        r.Name,
				Mandatory:   types.NewBool(r.Mandatory),
				UserCreated: types.NewBool(true),
				RuleUuid:    fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1),
			}
			var vms []types.ManagedObjectReference
			for _, n := range r.VMs {
				vms = append(vms, b.vms[n])
			}
			switch r.Type {
			case "affinity":
				rules = append(rules, &types.ClusterAffinityRuleSpec{ClusterRuleInfo: info, Vm: vms})
			case "anti_affinity":
				rules = append(rules, &types.ClusterAntiAffinityRuleSpec{ClusterRuleInfo: info, Vm: vms})
			case "vm_host":
				rule := &types.ClusterVmHostRuleInfo{ClusterRuleInfo: info, VmGroupName: r.VMGroup}
				if r.Affine == nil || *r.Affine {
					rule.AffineHostGroupName = r.HostGroup
				} else {
					rule.AntiAffineHostGroupName = r.HostGroup
				}
				rules = append(rules, rule)
			}
		}
		withLock(c, func() {
			cfg := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
			cfg.Group = groups
			cfg.Rule = rules
			c.Configuration.Rule = rules
		})
	}
	return nil
}

// hostStates applies maintenance and connection states last, so VMs could be
// created and powered on first.
func (b *builder) hostStates() error {
	for name, ref := range b.hosts {
		hs := b.hostSpec[name]
		h := getHost(ref)
		boot := time.Now().Add(-72 * time.Hour)
		withLock(h, func() {
			h.Runtime.InMaintenanceMode = hs.InMaintenance
			h.Runtime.ConnectionState = types.HostSystemConnectionState(hs.ConnectionState)
			h.Runtime.BootTime = &boot
			h.Capability = hostCapability(hs) // reboot.go
			if hs.ConnectionState != "connected" {
				h.Summary.OverallStatus = types.ManagedEntityStatusGray
			}
		})
	}
	return nil
}
