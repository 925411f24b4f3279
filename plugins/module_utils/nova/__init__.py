# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nova: the connection and its errors (base), gather (hosts, instances, server groups and zones as rules) and
moves (live, cold, evacuate) for the drain runner."""
