# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every PowerShell script the CAU modules send (the clustered role, the files CAU runs on each node, the
updating run), composed like hyperv_scripts': parameters in ``$p``, enums with ``.ToString()``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv_scripts import VM_RESOURCE
from ansible_collections.vmfleet.maintenance.plugins.module_utils.powershell import compose, json_output, quote

NO_CAU_ROLE = "not configured with a Cluster-Aware Updating"

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
