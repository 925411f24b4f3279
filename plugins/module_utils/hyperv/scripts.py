# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every PowerShell script the Hyper-V modules send (the CAU ones are in cau/scripts.py), one job per function, in one place.

Each function returns a powershell.Script: parameters in ``$p`` (one JSON literal), enums written with
``.ToString()`` (Windows PowerShell 5.1's ConvertTo-Json writes their numbers), lists forced with ``@()``
and written through ``-InputObject`` (a single item would otherwise lose its array), numbers without
``MB``/``GB`` suffixes, and no splatting: parameter names are fixed here, values come from ``$p``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.powershell import compose, json_output

VM_RESOURCE = "Where-Object { $_.ResourceType.Name -eq 'Virtual Machine' }"


# ---------------------------------------------------------------------------------------------
# Cluster, nodes and VM roles


def cluster_facts():
    """Cluster name and anti-affinity enforcement, the endpoint's name, nodes (state, memory in KB, the address of
    the node's interface on a cluster network whose Role is ClusterAndClient), VM roles with their VMs. A node or VM
    that could not be read carries the host's error text in ``x`` (reads of other nodes are a second hop; the
    network interfaces come from the cluster database, which is not)."""
    return compose("reading the cluster's nodes and virtual machines", r"""
        $c = Get-Cluster
        $cn = @(Get-ClusterNetwork -ErrorAction SilentlyContinue | Where-Object { $_.Role.ToString() -eq 'ClusterAndClient' } |
          ForEach-Object { $_.Name })
        $nodes = foreach ($n in @(Get-ClusterNode)) {
          $os = $null; $x = $null; $ip = $null
          if ($cn.Count -gt 0) { $ip = Get-ClusterNetworkInterface -Node $n.Name -Network $cn -ErrorAction SilentlyContinue |
            ForEach-Object { "$($_.Address)" } | Select-Object -First 1 }
          if ($n.State.ToString() -ne 'Down') {
            try { $os = Get-CimInstance -ClassName Win32_OperatingSystem -ComputerName $n.Name -ErrorAction Stop }
            catch { $x = "$($_.Exception.Message)" } }
          [pscustomobject]@{n=$n.Name; s=$n.State.ToString(); d=$n.DrainStatus.ToString();
            t=$os.TotalVisibleMemorySize; f=$os.FreePhysicalMemory; ip=$ip; x=$x} }
        $vms = foreach ($g in @(Get-ClusterGroup | Where-Object { $_.GroupType.ToString() -eq 'VirtualMachine' })) {
          $vm = $null; $x = $null
          try { $vm = $g | Get-VM -ErrorAction Stop } catch { $x = "$($_.Exception.Message)" }
          $m = $g | Get-ClusterResource | %(vm_resource)s | Get-ClusterParameter -Name MigrationState
          [pscustomobject]@{n=$g.Name; o=$g.OwnerNode.Name; s=$g.State.ToString(); p=$g.Priority;
            a=@($g.AntiAffinityClassNames); po=@((Get-ClusterOwnerNode -Group $g.Name).OwnerNodes.Name);
            ms=$vm.MemoryStartup; ma=$vm.MemoryAssigned; c=$vm.ProcessorCount; vs="$($vm.State)"; mg=$m.Value; x=$x} }
        %(output)s
        """ % {"vm_resource": VM_RESOURCE, "output": json_output(
        "([pscustomobject]@{name=$c.Name; ep=$env:COMPUTERNAME; enforced=$c.ClusterEnforcedAntiAffinity; "
        "nodes=@($nodes); vms=@($vms)})", 4)})


def node_states():
    """Every node's State and DrainStatus."""
    return compose("reading the cluster nodes' state", r"""
        $r = foreach ($n in @(Get-ClusterNode)) { [pscustomobject]@{n=$n.Name; s=$n.State.ToString(); d=$n.DrainStatus.ToString()} }
        %s
        """ % json_output("@($r)"))


def suspend_node(node, drain):
    """Pause a node; with drain, the cluster moves its roles off itself (Suspend-ClusterNode -Drain)."""
    return compose("pausing node %s" % node, r"""
        Suspend-ClusterNode -Name $p.node%s -ErrorAction Stop | Out-Null
        """ % (" -Drain" if drain else ""), {"node": node})


def resume_node(node, failback):
    """Resume a paused node with -Failback NoFailback, Immediate or Policy."""
    return compose("resuming node %s" % node, r"""
        Resume-ClusterNode -Name $p.node -Failback $p.failback -ErrorAction Stop | Out-Null
        """, {"node": node, "failback": failback})


def move_vm_role(vm, node, migration_type):
    """Start moving a VM role to a node (Live, Quick, Shutdown or TurnOff) without waiting for it; prints the
    resource's MigrationState and the host's clock from just before (``m``, ``t``): a 4 or 5 from an earlier
    migration stays until the cluster starts this one."""
    return compose("moving %s to %s (%s)" % (vm, node, migration_type), r"""
        $g = Get-ClusterGroup -Name $p.vm -ErrorAction Stop
        $m = $g | Get-ClusterResource | %s | Get-ClusterParameter -Name MigrationState
        $t = (Get-Date).ToString('s')
        Move-ClusterVirtualMachineRole -Name $p.vm -Node $p.node -MigrationType $p.type -Wait 0 -ErrorAction Stop | Out-Null
        %s
        """ % (VM_RESOURCE, json_output("@{m=$m.Value; t=$t}")), {"vm": vm, "node": node, "type": migration_type})


def cancel_vm_move(vm):
    """Cancel a VM's queued or running live migration. -Cancel with nothing to cancel writes an error, which sets
    $? and so the exit code: that is no failure (exit 0); a live migration still under way after it is (exit 1)."""
    return compose("cancelling the migration of %s" % vm, r"""
        $g = Get-ClusterGroup -Name $p.vm -ErrorAction Stop
        Move-ClusterVirtualMachineRole -Name $p.vm -Cancel -ErrorAction SilentlyContinue | Out-Null
        if ($?) { exit 0 }
        $m = ($g | Get-ClusterResource | %s | Get-ClusterParameter -Name MigrationState).Value
        if ($m -in 1,2,3) { Write-Error ("the live migration of " + $p.vm + " could not be cancelled: " + $Error[0]); exit 1 }
        exit 0
        """ % VM_RESOURCE, {"vm": vm})


def vm_role_state(vm):
    """A VM role's owner, group state and its resource's MigrationState and MigrationProgress."""
    return compose("reading the state of %s" % vm, r"""
        $g = Get-ClusterGroup -Name $p.vm -ErrorAction Stop
        $m = @($g | Get-ClusterResource | %s | Get-ClusterParameter -Name 'MigrationState','MigrationProgress')
        $h = @{o=$g.OwnerNode.Name; s=$g.State.ToString()}
        foreach ($x in $m) { $h[$x.Name] = $x.Value }
        %s
        """ % (VM_RESOURCE, json_output("$h")), {"vm": vm})


def migrations_in_flight():
    """Names of the VMs whose live migration is queued or running (MigrationState 1, 2 or 3)."""
    return compose("reading the live migrations in flight", r"""
        $r = @(Get-ClusterResource | %s | Get-ClusterParameter -Name MigrationState |
          Where-Object { $_.Value -in 1,2,3 } | ForEach-Object { "$($_.ClusterObject.OwnerGroup.Name)" })
        %s
        """ % (VM_RESOURCE, json_output("$r")))


def host_time():
    """The endpoint's clock (ISO 8601), for filtering the events written after a step."""
    return compose("reading the host's clock", r"""
        (Get-Date).ToString('s')
        """)


def migration_events(ids, logs, since, max_events):
    """Migration events of the given IDs from every node that is not down, newest first per node and log.

    "No events" and "no such log" (told by their error IDs, not by the text, which follows the host's language)
    are no events; any other failure (a second hop refused, a node not answering) is listed in ``failed``.
    """
    params = {"ids": list(ids), "logs": list(logs), "since": since, "max": max_events}
    return compose("reading live-migration events from every node", r"""
        $r = @()
        $skip = @()
        $bad = @()
        foreach ($n in @(Get-ClusterNode)) {
          if ($n.State.ToString() -eq 'Down') { $skip += $n.Name; continue }
          foreach ($log in @($p.logs)) {
            $f = @{LogName=$log; Id=@($p.ids)}
            if ($p.since) { $f['StartTime'] = [datetime]$p.since }
            try { $e = @(Get-WinEvent -ComputerName $n.Name -FilterHashtable $f -MaxEvents $p.max -ErrorAction Stop) }
            catch { $e = @(); $i = "$($_.FullyQualifiedErrorId)"
              if (-not ($i -like 'NoMatchingEventsFound*' -or $i -like 'NoMatchingLogsFound*')) {
                $bad += [pscustomobject]@{n=$n.Name; l=$log; x="$($_.Exception.Message)"} } }
            foreach ($x in $e) { $r += [pscustomobject]@{node=$n.Name; log=$log; id=$x.Id; record=$x.RecordId;
              provider=$x.ProviderName; level=$x.LevelDisplayName; time=$x.TimeCreated.ToString('s'); message=$x.Message} } } }
        %s
        """ % json_output("@{ep=$env:COMPUTERNAME; events=$r; skipped=$skip; failed=$bad}", 3), params)


# ---------------------------------------------------------------------------------------------
# VM network adapters (protected network: ClusterMonitored)


ADAPTER_FIELDS = "@{n=$_.Name; sw=$_.SwitchName; mac=$_.MacAddress; cm=[bool]$_.ClusterMonitored}"


def vm_network_adapters(vm):
    """The VM's network adapters: name, switch, MAC and ClusterMonitored (reached from any node)."""
    return compose("reading the network adapters of %s" % vm, r"""
        $r = @(Get-ClusterGroup -Name $p.vm -ErrorAction Stop | Get-VM -ErrorAction Stop | Get-VMNetworkAdapter |
          ForEach-Object { %s })
        %s
        """ % (ADAPTER_FIELDS, json_output("$r")), {"vm": vm})


def set_vm_network_monitoring(vm, switch_name, adapter_name, monitored):
    """Set -NotMonitoredInCluster on the VM's adapters on that switch and/or with that name."""
    return compose("setting the protected network of %s" % vm, r"""
        Get-ClusterGroup -Name $p.vm -ErrorAction Stop | Get-VM -ErrorAction Stop | Get-VMNetworkAdapter |
        Where-Object { ($null -eq $p.sw -or $_.SwitchName -eq $p.sw) -and ($null -eq $p.an -or $_.Name -eq $p.an) } |
        Set-VMNetworkAdapter -NotMonitoredInCluster $p.nm -ErrorAction Stop
        """, {"vm": vm, "sw": switch_name, "an": adapter_name, "nm": not monitored})
