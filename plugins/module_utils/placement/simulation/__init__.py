# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What-if of a rolling update in simulated time (whatif): CAU's strategies and the planned rollout over a
simulated fleet. Pure Python: no Ansible import."""
