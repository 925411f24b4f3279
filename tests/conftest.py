# -*- coding: utf-8 -*-
"""Every suite imports the collection as ansible_collections.vmfleet.maintenance (pytest.ini's pythonpath):
link build/collections/ansible_collections/vmfleet/maintenance to this repository when it is missing."""

from module_runner import ensure_collection_link

ensure_collection_link()
