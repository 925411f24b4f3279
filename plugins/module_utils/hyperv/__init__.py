# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hyper-V failover clusters over WinRM: the connection and its errors (base), the PowerShell scripts, gather
(nodes, VM roles, rules), moves for the drain runner, and live-migration failure events. Cluster-Aware Updating
is in cau/."""
