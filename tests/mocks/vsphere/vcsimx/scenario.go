package main

// Scenario file: the JSON document the mock builds its inventory from.
// The Python launcher (tests/mocks/vsphere/control.py) converts YAML to it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type Scenario struct {
	Credentials Credentials      `json:"credentials"`
	Datacenter  string           `json:"datacenter"`
	Migration   MigrationOptions `json:"migration"`
	Maintenance MaintenanceOpts  `json:"maintenance"`
	Reboot      RebootOpts       `json:"reboot"`
	Clusters    []ClusterSpec    `json:"clusters"`
	Datastores  []DatastoreSpec  `json:"datastores"`
	VMs         []VMSpec         `json:"vms"`
}

type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type MigrationOptions struct {
	// SpeedMBps: memory copied per second; a vMotion lasts memory_mb / speed.
	SpeedMBps float64 `json:"speed_mb_per_s"`
	// StallSeconds: how long a doomed vMotion hangs at 20% before failing.
	StallSeconds float64 `json:"stall_seconds"`
	// ColdSeconds: duration of a cold (powered-off) relocation without storage change.
	ColdSeconds float64 `json:"cold_seconds"`
}

type MaintenanceOpts struct {
	// Behavior while powered-on VMs remain: "wait" (vCenter without DRS: the
	// task stays running until the host is empty or the timeout passes) or
	// "fail" (the task fails at once).
	Behavior string `json:"behavior"`
	// ProgressPercent shown while waiting (vCenter shows 2%).
	ProgressPercent int32 `json:"progress_percent"`
}

type ClusterSpec struct {
	Name       string `json:"name"`
	DRSEnabled bool   `json:"drs_enabled"`
	DRSBehav   string `json:"drs_behavior"`
	// DRSBalanceSeconds: with DRS enabled and fully automated, a balancing
	// pass every this many seconds moves one VM onto the least loaded host.
	DRSBalanceSeconds float64             `json:"drs_balance_seconds"`
	HA                *HASpec             `json:"ha"`
	Hosts             []HostSpec          `json:"hosts"`
	VMGroups          map[string][]string `json:"vm_groups"`
	HostGroups        map[string][]string `json:"host_groups"`
	Rules             []RuleSpec          `json:"rules"`
}

type VnicSpec struct {
	Device    string `json:"device"`
	Portgroup string `json:"portgroup"`
	IP        string `json:"ip"`
	Netstack  string `json:"netstack"` // "" (defaultTcpipStack) or "vmotion"
}

// HASpec: vSphere HA and its admission control policy (ClusterDasConfigInfo).
type HASpec struct {
	Enabled          *bool    `json:"enabled"`           // default true
	AdmissionControl *bool    `json:"admission_control"` // default true
	Policy           string   `json:"policy"`            // percentage | slots | failover_hosts
	MemoryPercent    int32    `json:"memory_percent"`
	CPUPercent       int32    `json:"cpu_percent"`
	AutoCompute      bool     `json:"auto_compute"`
	FailoverLevel    int32    `json:"failover_level"` // default 1
	FailoverHosts    []string `json:"failover_hosts"`
}

type HostSpec struct {
	Name              string     `json:"name"`
	MemoryMB          int64      `json:"memory_mb"`
	MemoryReservedMB  int64      `json:"memory_reserved_mb"`
	CPU               int16      `json:"cpu"`
	CPUMhz            int32      `json:"cpu_mhz"`
	ClockOffset       float64    `json:"clock_offset_seconds"`
	NTPServers        []string   `json:"ntp_servers"`
	MigrateEnabled    *bool      `json:"migrate_enabled"`
	MigrateOptionType string     `json:"migrate_enabled_type"` // long (default) or int
	Vnics             []VnicSpec `json:"vmknics"`
	VMotionVmk        *string    `json:"vmotion_vmk"`
	InMaintenance     bool       `json:"in_maintenance"`
	ConnectionState   string     `json:"connection_state"`
	VMotionNetBlocked bool       `json:"vmotion_network_blocked"`
	RebootSupported   *bool      `json:"reboot_supported"` // capability.rebootSupported (default true)
}

type DatastoreSpec struct {
	Name       string   `json:"name"`
	Hosts      []string `json:"hosts"` // empty: mounted on every host
	CapacityGB int64    `json:"capacity_gb"`
	Files      []string `json:"files"` // e.g. ISO images to create (paths inside the datastore)
}

type CdromSpec struct {
	ISO         string `json:"iso"`         // "[datastore] path/file.iso"; empty: client device
	HostDevice  string `json:"host_device"` // a drive of the host, e.g. /vmfs/devices/cdrom/mpx.vmhba0:C0:T0:L0
	Passthrough bool   `json:"passthrough"` // host_device as passthrough (else ATAPI emulation)
	Connected   bool   `json:"connected"`
}

type VMSpec struct {
	Name       string     `json:"name"`
	Host       string     `json:"host"`
	MemoryMB   int32      `json:"memory_mb"`
	CPUs       int32      `json:"cpus"`
	PowerState string     `json:"power_state"`
	Datastore  string     `json:"datastore"`
	DiskGB     int64      `json:"disk_gb"`
	Cdrom      *CdromSpec `json:"cdrom"`
	GuestID    string     `json:"guest_id"`
	Agent      bool       `json:"agent"` // a vSphere Cluster Services (vCLS) agent VM
}

type RuleSpec struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"` // affinity | anti_affinity | vm_host
	VMs       []string `json:"vms"`
	VMGroup   string   `json:"vm_group"`
	HostGroup string   `json:"host_group"`
	Affine    *bool    `json:"affine"` // vm_host: true = run on, false = do not run on
	Enabled   *bool    `json:"enabled"`
	Mandatory bool     `json:"mandatory"`
}

func loadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Scenario
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("scenario %s: %v", path, err)
	}
	if err := s.normalize(); err != nil {
		return nil, fmt.Errorf("scenario %s: %v", path, err)
	}
	return &s, nil
}

func (s *Scenario) normalize() error {
	if s.Credentials.Username == "" {
		s.Credentials.Username = "administrator@vsphere.local"
	}
	if s.Credentials.Password == "" {
		s.Credentials.Password = "VMware1!"
	}
	if s.Datacenter == "" {
		s.Datacenter = "DC1"
	}
	if s.Migration.SpeedMBps <= 0 {
		s.Migration.SpeedMBps = 1024
	}
	if s.Migration.StallSeconds < 0 {
		s.Migration.StallSeconds = 0
	} else if s.Migration.StallSeconds == 0 {
		s.Migration.StallSeconds = 1
	}
	if s.Migration.ColdSeconds <= 0 {
		s.Migration.ColdSeconds = 0.2
	}
	switch s.Maintenance.Behavior {
	case "":
		s.Maintenance.Behavior = "wait"
	case "wait", "fail":
	default:
		return fmt.Errorf("maintenance.behavior must be wait or fail, not %q", s.Maintenance.Behavior)
	}
	if s.Maintenance.ProgressPercent == 0 {
		s.Maintenance.ProgressPercent = 2
	}
	if err := s.Reboot.normalize(); err != nil {
		return err
	}
	if len(s.Clusters) == 0 {
		return fmt.Errorf("at least one cluster is required")
	}
	hosts := map[string]bool{}
	for ci := range s.Clusters {
		c := &s.Clusters[ci]
		if c.Name == "" {
			c.Name = fmt.Sprintf("Cluster-%d", ci+1)
		}
		for hi := range c.Hosts {
			h := &c.Hosts[hi]
			if h.Name == "" {
				return fmt.Errorf("cluster %s: host %d has no name", c.Name, hi)
			}
			if hosts[h.Name] {
				return fmt.Errorf("duplicate host %s", h.Name)
			}
			hosts[h.Name] = true
			if h.MemoryMB <= 0 {
				h.MemoryMB = 65536
			}
			if h.CPU <= 0 {
				h.CPU = 16
			}
			if h.CPUMhz <= 0 {
				h.CPUMhz = 2400
			}
			if h.ConnectionState == "" {
				h.ConnectionState = "connected"
			}
			switch h.ConnectionState {
			case "connected", "disconnected", "notResponding":
			default:
				return fmt.Errorf("host %s: connection_state must be connected, disconnected or notResponding", h.Name)
			}
			n := len(hosts)
			if len(h.Vnics) == 0 {
				h.Vnics = []VnicSpec{
					{Device: "vmk0", Portgroup: "Management Network", IP: fmt.Sprintf("10.0.0.%d", 10+n)},
					{Device: "vmk1", Portgroup: "vMotion", IP: fmt.Sprintf("10.0.1.%d", 10+n)},
				}
			}
			for vi := range h.Vnics {
				v := &h.Vnics[vi]
				if v.Device == "" {
					v.Device = fmt.Sprintf("vmk%d", vi)
				}
				if v.Portgroup == "" {
					v.Portgroup = "vmk-" + v.Device
				}
				if v.IP == "" {
					v.IP = fmt.Sprintf("10.0.%d.%d", vi, 10+n)
				}
				switch v.Netstack {
				case "":
					v.Netstack = "defaultTcpipStack"
				case "defaultTcpipStack", "vmotion":
				default:
					return fmt.Errorf("host %s: vmknic %s: netstack must be defaultTcpipStack or vmotion", h.Name, v.Device)
				}
			}
			switch h.MigrateOptionType {
			case "":
				h.MigrateOptionType = "long"
			case "long", "int":
			default:
				return fmt.Errorf("host %s: migrate_enabled_type must be long or int", h.Name)
			}
			if h.VMotionVmk == nil {
				dev := "vmk1"
				if len(h.Vnics) < 2 {
					dev = h.Vnics[0].Device
				}
				h.VMotionVmk = &dev
			}
			if *h.VMotionVmk != "" && findVnicSpec(h.Vnics, *h.VMotionVmk) == nil {
				return fmt.Errorf("host %s: vmotion_vmk %s is not one of its vmknics", h.Name, *h.VMotionVmk)
			}
		}
	}
	if len(hosts) == 0 {
		return fmt.Errorf("no hosts")
	}
	for ci := range s.Clusters {
		if err := s.Clusters[ci].normalizeServices(); err != nil {
			return err
		}
	}
	if len(s.Datastores) == 0 {
		s.Datastores = []DatastoreSpec{{Name: "shared-ds"}}
	}
	dsNames := map[string]bool{}
	for di := range s.Datastores {
		d := &s.Datastores[di]
		if d.Name == "" {
			return fmt.Errorf("datastore %d has no name", di)
		}
		dsNames[d.Name] = true
		for _, h := range d.Hosts {
			if !hosts[h] {
				return fmt.Errorf("datastore %s: unknown host %s", d.Name, h)
			}
		}
		if d.CapacityGB <= 0 {
			d.CapacityGB = 2048
		}
	}
	vms := map[string]bool{}
	for vi := range s.VMs {
		v := &s.VMs[vi]
		if v.Name == "" || vms[v.Name] {
			return fmt.Errorf("vm %d: missing or duplicate name %q", vi, v.Name)
		}
		vms[v.Name] = true
		if !hosts[v.Host] {
			return fmt.Errorf("vm %s: unknown host %q", v.Name, v.Host)
		}
		if v.MemoryMB <= 0 {
			v.MemoryMB = 1024
		}
		if v.CPUs <= 0 {
			v.CPUs = 1
		}
		if v.DiskGB <= 0 {
			v.DiskGB = 1
		}
		if v.GuestID == "" {
			v.GuestID = "otherGuest64"
		}
		switch strings.ToLower(v.PowerState) {
		case "", "on", "poweredon", "powered_on":
			v.PowerState = "poweredOn"
		case "off", "poweredoff", "powered_off":
			v.PowerState = "poweredOff"
		case "suspended":
			v.PowerState = "suspended"
		default:
			return fmt.Errorf("vm %s: bad power_state %q", v.Name, v.PowerState)
		}
		if v.Datastore == "" {
			v.Datastore = s.Datastores[0].Name
		}
		if v.Cdrom != nil && v.Cdrom.ISO != "" && v.Cdrom.HostDevice != "" {
			return fmt.Errorf("vm %s: cdrom takes iso or host_device, not both", v.Name)
		}
		if !dsNames[v.Datastore] {
			return fmt.Errorf("vm %s: unknown datastore %q", v.Name, v.Datastore)
		}
	}
	for _, c := range s.Clusters {
		for _, r := range c.Rules {
			switch r.Type {
			case "affinity", "anti_affinity":
				for _, vm := range r.VMs {
					if !vms[vm] {
						return fmt.Errorf("rule %s: unknown vm %s", r.Name, vm)
					}
				}
			case "vm_host":
				if c.VMGroups[r.VMGroup] == nil || c.HostGroups[r.HostGroup] == nil {
					return fmt.Errorf("rule %s: vm_group and host_group must name groups of cluster %s", r.Name, c.Name)
				}
			default:
				return fmt.Errorf("rule %s: type must be affinity, anti_affinity or vm_host", r.Name)
			}
		}
	}
	return nil
}

func findVnicSpec(vnics []VnicSpec, dev string) *VnicSpec {
	for i := range vnics {
		if vnics[i].Device == dev {
			return &vnics[i]
		}
	}
	return nil
}
