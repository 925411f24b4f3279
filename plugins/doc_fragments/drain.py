# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options every platform's drain module shares."""

    DOCUMENTATION = r'''
options:
  plan:
    description:
      - A plan returned by M(vmfleet.maintenance.placement_plan) (its C(plan) key). Only its moves off
        the host to drain that are still to do are carried out (for a C(failback) plan, its moves onto it).
        Without it the module plans the drain itself.
    type: dict
  scope:
    description: C(running) moves powered-on and suspended VMs; C(all) moves every VM (when planning here).
    type: str
    default: running
    choices: [running, all]
  rolling_order:
    description: Hosts in update order, so the drain prefers hosts already updated (when planning here).
    type: list
    elements: str
    default: []
  headroom_percent:
    description: Percent of each target's memory kept free (when planning here).
    type: float
    default: 0
  max_parallel_per_host:
    description: Moves leaving or entering one host at once (when planning here).
    type: int
    default: 2
  max_parallel_total:
    description: Moves per wave, C(0) for no limit beyond the per-host one (when planning here).
    type: int
    default: 0
  stall_seconds:
    description: A live migration whose remaining memory does not fall for this long is stalled; C(0) never.
    type: int
    default: 120
  on_stall:
    description: C(abort) cancels a stalled live migration (the VM stays on its source), C(force_complete)
      pauses the VM to finish it, C(fail) stops watching and reports it.
    type: str
    default: abort
    choices: [abort, force_complete, fail]
  poll_seconds:
    description: Seconds between progress checks.
    type: float
    default: 2.0
  progress_file:
    description:
      - Write the drain's progress here (JSON, rewritten as moves advance) for
        M(vmfleet.maintenance.drain_status) to show while the drain runs asynchronously.
    type: path
  allow_partial:
    description: Move what can be moved even when the plan leaves some VMs unplaced.
    type: bool
    default: false
  allow_downtime:
    description:
      - Let running VMs move, or fall back, to methods that stop the guest (cold or quick migration) when a live
        one fails or is impossible. Set C(false) for a drain with no downtime; such VMs stay where they are
        and are reported. Each result says whether its move stopped the guest (C(downtime)).
    type: bool
    default: true
  allow_downtime_vms:
    description: VMs allowed to move with downtime even when O(allow_downtime=false).
    type: list
    elements: str
    default: []
'''
