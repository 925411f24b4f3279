# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every PowerShell script the Hyper-V and CAU modules send, one job per function, in one place.

Each function returns a powershell.Script: parameters in ``$p`` (one JSON literal), enums written with
``.ToString()`` (Windows PowerShell 5.1's ConvertTo-Json writes their numbers), lists forced with ``@()``
and written through ``-InputObject`` (a single item would otherwise lose its array), numbers without
``MB``/``GB`` suffixes, and no splatting: parameter names are fixed here, values come from ``$p``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.powershell import compose, json_output, quote

NO_CAU_ROLE = "not configured with a Cluster-Aware Updating"
VM_RESOURCE = "Where-Object { $_.ResourceType.Name -eq 'Virtual Machine' }"


# ---------------------------------------------------------------------------------------------
# Cluster, nodes and VM roles


def cluster_facts():
    """Cluster name and anti-affinity enforcement, nodes (state, memory in KB), VM roles with their VMs."""
    return compose("reading the cluster's nodes and virtual machines", r"""
        $c = Get-Cluster
        $nodes = foreach ($n in @(Get-ClusterNode)) {
          $os = $null
          if ($n.State.ToString() -ne 'Down') {
            $os = Get-CimInstance -ClassName Win32_OperatingSystem -ComputerName $n.Name -ErrorAction SilentlyContinue }
          [pscustomobject]@{n=$n.Name; s=$n.State.ToString(); d=$n.DrainStatus.ToString();
            t=$os.TotalVisibleMemorySize; f=$os.FreePhysicalMemory} }
        $vms = foreach ($g in @(Get-ClusterGroup | Where-Object { $_.GroupType.ToString() -eq 'VirtualMachine' })) {
          $vm = $g | Get-VM -ErrorAction SilentlyContinue
          $m = $g | Get-ClusterResource | %(vm_resource)s | Get-ClusterParameter -Name MigrationState
          [pscustomobject]@{n=$g.Name; o=$g.OwnerNode.Name; s=$g.State.ToString(); p=$g.Priority;
            a=@($g.AntiAffinityClassNames); po=@((Get-ClusterOwnerNode -Group $g.Name).OwnerNodes.Name);
            ms=$vm.MemoryStartup; ma=$vm.MemoryAssigned; c=$vm.ProcessorCount; vs="$($vm.State)"; mg=$m.Value} }
        %(output)s
        """ % {"vm_resource": VM_RESOURCE, "output": json_output(
        "([pscustomobject]@{name=$c.Name; enforced=$c.ClusterEnforcedAntiAffinity; nodes=@($nodes); vms=@($vms)})", 4)})


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
    """Start moving a VM role to a node (Live, Quick, Shutdown or TurnOff) without waiting for it."""
    return compose("moving %s to %s (%s)" % (vm, node, migration_type), r"""
        Move-ClusterVirtualMachineRole -Name $p.vm -Node $p.node -MigrationType $p.type -Wait 0 -ErrorAction Stop | Out-Null
        """, {"vm": vm, "node": node, "type": migration_type})


def cancel_vm_move(vm):
    """Cancel a VM's queued or running live migration (no error when there is none any more)."""
    return compose("cancelling the migration of %s" % vm, r"""
        Move-ClusterVirtualMachineRole -Name $p.vm -Cancel -ErrorAction SilentlyContinue | Out-Null
        """, {"vm": vm})


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
    """Migration events of the given IDs from every node that is not down, newest first per node and log."""
    return compose("reading live-migration events from every node", r"""
        $r = @()
        $skip = @()
        foreach ($n in @(Get-ClusterNode)) {
          if ($n.State.ToString() -eq 'Down') { $skip += $n.Name; continue }
          foreach ($log in @($p.logs)) {
            $f = @{LogName=$log; Id=@($p.ids)}
            if ($p.since) { $f['StartTime'] = [datetime]$p.since }
            $e = @(Get-WinEvent -ComputerName $n.Name -FilterHashtable $f -MaxEvents $p.max -ErrorAction SilentlyContinue)
            foreach ($x in $e) { $r += [pscustomobject]@{node=$n.Name; log=$log; id=$x.Id; record=$x.RecordId;
              provider=$x.ProviderName; level=$x.LevelDisplayName; time=$x.TimeCreated.ToString('s'); message=$x.Message} } } }
        %s
        """ % json_output("@{events=$r; skipped=$skip}", 3), {"ids": list(ids), "logs": list(logs), "since": since,
                                                              "max": max_events})


# ---------------------------------------------------------------------------------------------
# VM network adapters (protected network, seed 001)


ADAPTER_FIELDS = "@{n=$_.Name; sw=$_.SwitchName; mac=$_.MacAddress; cm=[bool]$_.ClusterMonitored}"


def vm_network_adapters(vm):
    """The VM's network adapters: name, switch, MAC and ClusterMonitored (reached from any node)."""
    return compose("reading the network adapters of %s" % vm, r"""
        $r = @(Get-ClusterGroup -Name $p.vm -ErrorAction Stop | Get-VM | Get-VMNetworkAdapter | ForEach-Object { %s })
        %s
        """ % (ADAPTER_FIELDS, json_output("$r")), {"vm": vm})


def set_vm_network_monitoring(vm, switch_name, adapter_name, monitored):
    """Set -NotMonitoredInCluster on the VM's adapters on that switch and/or with that name."""
    return compose("setting the protected network of %s" % vm, r"""
        Get-ClusterGroup -Name $p.vm -ErrorAction Stop | Get-VM | Get-VMNetworkAdapter |
        Where-Object { ($null -eq $p.sw -or $_.SwitchName -eq $p.sw) -and ($null -eq $p.an -or $_.Name -eq $p.an) } |
        Set-VMNetworkAdapter -NotMonitoredInCluster $p.nm -ErrorAction Stop
        """, {"vm": vm, "sw": switch_name, "an": adapter_name, "nm": not monitored})


# ---------------------------------------------------------------------------------------------
# Cluster-Aware Updating clustered role


def read_cau_role():
    """{exists, settings}: Get-CauClusterRole's Name/Value pairs (enums and dates as text, arrays as arrays)."""
    return compose("reading the CAU clustered role", r"""
        try { $r = @(Get-CauClusterRole -ErrorAction Stop) } catch {
          if ("$_" -like '*%s*') { %s; exit 0 }; throw }
        $s = @{}
        foreach ($i in $r) {
          $v = $i.Value
          if ($v -is [array]) { $v = @(foreach ($x in $v) {
            if ($x -is [hashtable]) { $h = @{}; foreach ($k in @($x.Keys)) { $h[$k] = "$($x[$k])" }; $h } else { "$x" } }) }
          elseif ($v -is [datetime]) { $v = $v.ToString('s') }
          elseif (-not ($v -is [bool] -or $v -is [int] -or $null -eq $v)) { $v = $v.ToString() }
          $s[$i.Name] = $v }
        %s
        """ % (NO_CAU_ROLE, quote('{"exists":false}'), json_output("@{exists=$true; settings=$s}", 4)))


def write_cau_role(values, kinds, add):
    """Set-CauClusterRole (or Add-CauClusterRole) with exactly the named settings, values from $p.

    values: CAU setting name -> value; kinds: name -> 'switch', 'plugin_args' or another kind.
    """
    arguments = []
    prelude = ""
    for name in sorted(values):
        if kinds[name] == "switch":
            arguments.append("-%s:$p.%s" % (name, name))
        elif kinds[name] == "plugin_args":
            prelude = ("$pa = @(foreach ($a in @($p.%s)) { $h = @{}; foreach ($e in @($a)) { $h[$e.k] = $e.v }; $h })"
                       % name)
            arguments.append("-%s $pa" % name)
        else:
            arguments.append("-%s $p.%s" % (name, name))
    cmdlet = "Add-CauClusterRole" if add else "Set-CauClusterRole"
    return compose("%s the CAU clustered role" % ("adding" if add else "setting"), r"""
        %s
        %s %s -Force -ErrorAction Stop | Out-Null
        """ % (prelude, cmdlet, " ".join(arguments)), values)


def remove_cau_role():
    return compose("removing the CAU clustered role", "Remove-CauClusterRole -Force -ErrorAction Stop | Out-Null")


def set_cau_role_enabled(enabled):
    cmdlet = "Enable-CauClusterRole" if enabled else "Disable-CauClusterRole"
    return compose("%s the CAU clustered role" % ("enabling" if enabled else "disabling"),
                   "%s -Force -ErrorAction Stop | Out-Null" % cmdlet)


# ---------------------------------------------------------------------------------------------
# A file at the same path on every node (CAU Pre/PostUpdateScript)


UNC = "$d = '\\\\' + $n.Name + '\\' + $p.share + $p.dir; $u = $d + '\\' + $p.file"


def _unc_parts(path):
    """C:\\Scripts\\wait.ps1 -> share C$, folder \\Scripts, file wait.ps1 (joined on each node's admin share)."""
    folder, _sep, name = path.rpartition("\\")
    return {"share": folder[0].upper() + "$", "dir": folder[2:], "file": name}


def read_node_files(path):
    """Per node that is not down: whether the file exists and its text (through \\\\NODE\\C$\\...)."""
    return compose("reading %s on every node" % path, r"""
        $r = foreach ($n in @(Get-ClusterNode)) {
          if ($n.State.ToString() -eq 'Down') { [pscustomobject]@{n=$n.Name; down=$true}; continue }
          %s
          $t = $null
          if (Test-Path -Path $u -PathType Leaf) { $t = Get-Content -Path $u -Raw }
          [pscustomobject]@{n=$n.Name; down=$false; text=$t} }
        %s
        """ % (UNC, json_output("@($r)")), _unc_parts(path))


def write_node_files(path, text, nodes):
    """Create the folder and write the text to the file on each named node."""
    return compose("writing %s on %s" % (path, ", ".join(nodes)), r"""
        foreach ($n in @(Get-ClusterNode -Name $p.nodes -ErrorAction Stop)) {
          %s
          New-Item -ItemType Directory -Path $d -Force -ErrorAction Stop | Out-Null
          Set-Content -Path $u -Value $p.text -NoNewline -ErrorAction Stop }
        """ % UNC, dict(_unc_parts(path), text=text, nodes=list(nodes)))


# ---------------------------------------------------------------------------------------------
# The wait scripts cau_wait_script puts on every node (file contents, run by CAU on the node itself)

WAIT_HEADER = "# Written by vmfleet.maintenance.cau_wait_script (%s): keeps CAU's failback from racing the next drain."


def sleep_wait_script(seconds):
    """Seed 000's cure 2: a fixed wait between nodes."""
    return "\r\n".join([WAIT_HEADER % "sleep", "Start-Sleep -Seconds %d" % seconds, ""])


def quiescence_wait_script(timeout_seconds, poll_seconds, fail_on_timeout):
    """Wait until no VM live migration is queued or running in the cluster and no node is draining.

    It first waits one poll so the cluster has queued the failback of the node CAU just resumed.
    """
    if fail_on_timeout:
        ending = "throw 'live migrations were still in flight after %d seconds'" % timeout_seconds
    else:
        ending = "Write-Warning 'live migrations still in flight after %d seconds; going on'" % timeout_seconds
    return "\r\n".join([
        WAIT_HEADER % "quiescence",
        "$deadline = (Get-Date).AddSeconds(%d)" % timeout_seconds,
        "do {",
        "  Start-Sleep -Seconds %d" % poll_seconds,
        "  $busy = @(Get-ClusterResource | %s |" % VM_RESOURCE,
        "    Get-ClusterParameter -Name MigrationState | Where-Object { $_.Value -in 1,2,3 }).Count",
        "  $draining = @(Get-ClusterNode | Where-Object { $_.DrainStatus.ToString() -eq 'InProgress' }).Count",
        "  if ($busy + $draining -eq 0) { exit 0 }",
        "} while ((Get-Date) -lt $deadline)",
        ending,
        "",
    ])


def invoke_cau_run(params):
    """Invoke-CauRun with the clustered role's settings (or the given ones); the CauReport as JSON."""
    return compose("running Cluster-Aware Updating", r"""
        if ($p.max_failed_nodes -ne $null -and $p.node_order) {
          $r = Invoke-CauRun -Force -MaxFailedNodes $p.max_failed_nodes -NodeOrder @($p.node_order) -ErrorAction SilentlyContinue
        } elseif ($p.max_failed_nodes -ne $null) {
          $r = Invoke-CauRun -Force -MaxFailedNodes $p.max_failed_nodes -ErrorAction SilentlyContinue
        } elseif ($p.node_order) {
          $r = Invoke-CauRun -Force -NodeOrder @($p.node_order) -ErrorAction SilentlyContinue
        } else { $r = Invoke-CauRun -Force -ErrorAction SilentlyContinue }
        $n = @(foreach ($x in @($r.NodeResults)) { @{node = "$($x.Node)"; status = $x.Status.ToString(); error = "$($x.ErrorRecordData)"} })
        $o = @{status = $r.Status.ToString(); run_id = "$($r.RunId)"; error = "$($r.ErrorRecordData)"; nodes = $n}
        %s
        """ % json_output("$o", 4), params)
