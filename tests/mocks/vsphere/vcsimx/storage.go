package main

// Storage vMotion: move the VM's directory to the new datastore and rewrite
// every "[datastore] path" the VM carries.

import (
	"os"
	"path"
	"path/filepath"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// moveStorage returns the datastores the VM left.
func moveStorage(vm *simulator.VirtualMachine, vs vmSnap, newDS *simulator.Datastore) []types.ManagedObjectReference {
	var from []string
	var old []types.ManagedObjectReference
	for _, name := range vs.fileDS {
		if name == newDS.Name {
			continue
		}
		from = append(from, name)
		if ds := datastoreByName(name); ds != nil {
			old = append(old, ds.Self)
		}
	}
	var dp object.DatastorePath
	if dp.FromString(vs.vmxPath) {
		if ods := datastoreByName(dp.Datastore); ods != nil && ods != newDS {
			if rel := path.Dir(dp.Path); rel != "." && rel != "" && rel != "/" {
				srcDir := filepath.Join(ods.Info.GetDatastoreInfo().Url, rel)
				dstDir := filepath.Join(newDS.Info.GetDatastoreInfo().Url, rel)
				if _, err := os.Stat(dstDir); os.IsNotExist(err) {
					_ = os.Rename(srcDir, dstDir)
				}
			}
		}
	}
	withLock(vm, func() {
		files := vm.Config.Files
		files.VmPathName = rebase(files.VmPathName, from, newDS.Name)
		files.SnapshotDirectory = rebase(files.SnapshotDirectory, from, newDS.Name)
		files.SuspendDirectory = rebase(files.SuspendDirectory, from, newDS.Name)
		files.LogDirectory = rebase(files.LogDirectory, from, newDS.Name)
		for _, d := range vm.Config.Hardware.Device {
			if disk, ok := d.(*types.VirtualDisk); ok {
				if b, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
					info := b.GetVirtualDeviceFileBackingInfo()
					info.FileName = rebase(info.FileName, from, newDS.Name)
					ref := newDS.Self
					info.Datastore = &ref
				}
			}
		}
		if vm.LayoutEx != nil {
			for i := range vm.LayoutEx.File {
				vm.LayoutEx.File[i].Name = rebase(vm.LayoutEx.File[i].Name, from, newDS.Name)
			}
		}
		if vm.Storage != nil {
			for i := range vm.Storage.PerDatastoreUsage {
				if hasRef(old, vm.Storage.PerDatastoreUsage[i].Datastore) {
					vm.Storage.PerDatastoreUsage[i].Datastore = newDS.Self
				}
			}
		}
		list := []types.ManagedObjectReference{newDS.Self}
		for _, r := range vm.Datastore {
			if !hasRef(old, r) && r != newDS.Self {
				list = append(list, r)
			}
		}
		simulator.Map.Update(vm, []types.PropertyChange{
			change("config.files", files),
			change("summary.config.vmPathName", files.VmPathName),
			change("config.hardware.device", vm.Config.Hardware.Device),
			change("datastore", list),
		})
	})
	return old
}
