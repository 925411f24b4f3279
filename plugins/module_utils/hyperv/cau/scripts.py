# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every PowerShell script the CAU modules send (the clustered role, the files CAU runs on each node, the
updating run), composed like the Hyper-V ones (hyperv/scripts.py): parameters in ``$p``, enums with ``.ToString()``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.powershell import compose, json_output
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.scripts import VM_RESOURCE

# Get-CauClusterRole's error when the cluster has no CAU clustered role, told apart without its (localized) text:
# the error id and category are never translated.
NO_CAU_ROLE = "$_.FullyQualifiedErrorId -like 'CauRoleNotFound,*' -or \"$($_.CategoryInfo.Category)\" -eq 'ObjectNotFound'"
OS_BUILD = "$b = \"$((Get-CimInstance -ClassName Win32_OperatingSystem -ErrorAction SilentlyContinue).BuildNumber)\""

# ---------------------------------------------------------------------------------------------
# Cluster-Aware Updating clustered role


def read_cau_role(cluster_name=None):
    """{exists, settings, cn, build}: Get-CauClusterRole's Name/Value pairs (enums and dates as text, arrays as
    arrays), the computer that answered and its Windows build (which CAU parameters its cmdlets have)."""
    target = " -ClusterName $p.cluster" if cluster_name else ""
    return compose("reading the CAU clustered role", r"""
        %s
        try { $r = @(Get-CauClusterRole%s -ErrorAction Stop) } catch {
          if (%s) { %s; exit 0 }; throw }
        $s = @{}
        foreach ($i in $r) {
          $v = $i.Value
          if ($v -is [array]) { $v = @(foreach ($x in $v) {
            if ($x -is [hashtable]) { $h = @{}; foreach ($k in @($x.Keys)) { $h[$k] = "$($x[$k])" }; $h } else { "$x" } }) }
          elseif ($v -is [datetime]) { $v = $v.ToString('s') }
          elseif (-not ($v -is [bool] -or $v -is [int] -or $null -eq $v)) { $v = $v.ToString() }
          $s[$i.Name] = $v }
        %s
        """ % (OS_BUILD, target, NO_CAU_ROLE, json_output("@{exists=$false; cn=$env:COMPUTERNAME; build=$b}"),
               json_output("@{exists=$true; settings=$s; cn=$env:COMPUTERNAME; build=$b}", 4)),
        {"cluster": cluster_name} if cluster_name else None)


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
    """Per node that is not down: the file's text (null when it does not exist), through \\\\NODE\\C$\\...

    A share that cannot be opened (Test-Path answers false on access denied as on a missing path, so the share's
    root, which always exists, is tested) or a file that cannot be read sets ``x``: the share, or the host's error.
    """
    return compose("reading %s on every node" % path, r"""
        $r = foreach ($n in @(Get-ClusterNode)) {
          if ($n.State.ToString() -eq 'Down') { [pscustomobject]@{n=$n.Name; down=$true}; continue }
          %s
          $t = $null; $x = $null; $s = '\\' + $n.Name + '\' + $p.share + '\'
          if (-not (Test-Path -Path $s)) { $x = "cannot open $s" }
          elseif (Test-Path -Path $u -PathType Leaf) {
            try { $t = Get-Content -Path $u -Raw -ErrorAction Stop } catch { $x = "$($_.Exception.Message)" } }
          [pscustomobject]@{n=$n.Name; down=$false; text=$t; x=$x} }
        %s
        """ % (UNC, json_output("@{ep=$env:COMPUTERNAME; files=@($r)}", 3)), _unc_parts(path))


def write_node_files(path, text, nodes):
    """Create the folder and write the text to the file on each named node; ``failed``: the nodes where that
    failed, with the host's error (the others are written)."""
    return compose("writing %s on %s" % (path, ", ".join(nodes)), r"""
        $bad = @(foreach ($n in @(Get-ClusterNode -Name $p.nodes -ErrorAction Stop)) {
          %s
          try {
            New-Item -ItemType Directory -Path $d -Force -ErrorAction Stop | Out-Null
            Set-Content -Path $u -Value $p.text -NoNewline -ErrorAction Stop
          } catch { [pscustomobject]@{n=$n.Name; x="$($_.Exception.Message)"} } })
        %s
        """ % (UNC, json_output("@{ep=$env:COMPUTERNAME; failed=$bad}")), dict(_unc_parts(path), text=text,
                                                                               nodes=list(nodes)))


# ---------------------------------------------------------------------------------------------
# The wait scripts cau_wait_script puts on every node (file contents, run by CAU on the node itself)

WAIT_HEADER = "# Written by vmfleet.maintenance.cau_wait_script (%s): keeps CAU's failback from racing the next drain."


def sleep_wait_script(seconds):
    """A fixed wait between nodes, so CAU's failback ends before the next node's drain starts."""
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


# ---------------------------------------------------------------------------------------------
# Updating runs: the clustered role's own run (Set-CauClusterRole -UpdateNow), followed with Get-CauRun and
# read with Get-CauReport; or a remote-updating run (Invoke-CauRun) from a coordinator that is not a node.

REPORT = r"""
    $n = @(foreach ($x in @($r.NodeResults)) { @{node = "$($x.Node)"; status = "$($x.Status)";
      installed = [int]$x.NumberOfSucceededUpdates; failed = [int]$x.NumberOfFailedUpdates; error = "$($x.ErrorRecordData)"} })
    $o = @{status = "$($r.Status)"; run_id = "$($r.RunId)"; error = "$($r.ErrorRecordData)"; nodes = $n;
      start = "$($r.RunStartTime)"; end = "$($r.RunEndTime)"}
"""


def start_role_run():
    """Start the clustered role's run unless one is in progress; {busy, run_id, prev (last report's RunId), since}."""
    return compose("starting the CAU clustered role's updating run", r"""
        $run = Get-CauRun -ErrorAction Stop
        $prev = "$(@(Get-CauReport -Last -ErrorAction SilentlyContinue)[0].RunId)"
        $t = Get-Date
        if ("$run" -ne 'RunNotInProgress') { $o = @{busy=$true; run_id="$($run.RunId)"; prev=$prev; now=$t.ToString('s')} }
        else {
          Set-CauClusterRole -UpdateNow -Force -ErrorAction Stop | Out-Null
          $o = @{busy=$false; prev=$prev; now=$t.ToString('s')} }
        %s
        """ % json_output("$o"))


def follow_role_run(run_id, prev, wait_seconds, poll_seconds, deadline):
    """Poll Get-CauRun for up to wait_seconds (never past deadline, host time 's'); then {state, run_id, steps}
    while it runs ('running', 'timeout'), or {state: 'done', report} once Get-CauReport has a new last report
    (run_id when known, else any RunId but prev)."""
    return compose("following the CAU updating run", r"""
        $end = (Get-Date).AddSeconds($p.wait); $stop = [datetime]$p.deadline; $rid = $p.run_id
        while ($true) {
          $run = Get-CauRun -ErrorAction Stop
          if ("$run" -ne 'RunNotInProgress') {
            $rid = "$($run.RunId)"
            $st = @(foreach ($x in @($run.NodeStatusNotifications)) { @{node="$($x.Node)"; step="$($x.Status)"} })
            $dn = @(foreach ($x in @($run.NodeResults)) { @{node="$($x.Node)"; status="$($x.Status)"} })
            $o = @{state='running'; run_id=$rid; steps=$st; nodes=$dn}
          } else {
            $r = @(Get-CauReport -Last -Detailed -ErrorAction SilentlyContinue)[0]
            $id = "$($r.RunId)"
            if ($r -and $id -ne $p.prev -and (-not $rid -or $id -eq $rid)) {
              %s
              $o = @{state='done'; run_id=$id; report=$o}; break }
            $o = @{state='waiting'; run_id=$rid} }
          $now = Get-Date
          if ($now -ge $stop) { $o['state'] = 'timeout'; break }
          if ($now -ge $end) { break }
          Start-Sleep -Seconds $p.poll }
        %s
        """ % (REPORT, json_output("$o", 5)),
        {"run_id": run_id or "", "prev": prev or "", "wait": wait_seconds, "poll": poll_seconds, "deadline": deadline})


def invoke_remote_run(cluster_name, values, kinds):
    """Invoke-CauRun on the coordinator with exactly the named settings (CAU name -> value); {report, error}: the
    report, or CAU's own error when it refused or stopped the run."""
    arguments = []
    prelude = ""
    for name in sorted(values):
        if kinds[name] == "switch":
            arguments.append("-%s:$p.v.%s" % (name, name))
        elif kinds[name] == "plugin_args":
            prelude = ("$pa = @(foreach ($a in @($p.v.%s)) { $h = @{}; foreach ($e in @($a)) { $h[$e.k] = $e.v }; $h })"
                       % name)
            arguments.append("-%s $pa" % name)
        else:
            arguments.append("-%s $p.v.%s" % (name, name))
    return compose("running Cluster-Aware Updating from the coordinator", r"""
        %s
        $before = $Error.Count
        $all = @(Invoke-CauRun -ClusterName $p.cluster %s -Force -ErrorAction SilentlyContinue)
        $x = ''; if ($Error.Count -gt $before) { $x = "$($Error[0])" }
        $r = $all | Where-Object { $_.RunId -and $_.Status } | Select-Object -Last 1
        $o = $null
        if ($r) {
        %s
        }
        %s
        """ % (prelude, " ".join(arguments), REPORT,
               json_output("@{report=$o; error=$x; cn=$env:COMPUTERNAME}", 5)),
        {"cluster": cluster_name, "v": values})


def cluster_nodes(cluster_name):
    """{cn, nodes}: this computer's name and the names of the cluster's nodes (is the endpoint a node?)."""
    return compose("reading the nodes of %s" % cluster_name, r"""
        $n = @(Get-ClusterNode -Cluster $p.cluster -ErrorAction Stop | ForEach-Object { "$($_.Name)" })
        %s
        """ % json_output("@{cn=$env:COMPUTERNAME; nodes=$n}"), {"cluster": cluster_name})
