# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Carrying out a plan: the move runner written once for every platform (runner), what every drain module does
the same way (module), and the progress file the operator watches (progress)."""
