# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The placement core: decides where every VM goes and in what order, for every platform.

Pure Python: no Ansible import, so modules, the benchmark and tests share it as it is.
"""
