# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vSphere: the connection and its errors (base), gather (hosts, VMs, DRS rules), the vMotion preflight, DRS, HA
and vCLS (services), moves and maintenance mode for the drain runner, and the reboot watch."""
