"""All cmdlets the mock knows, in one registry: core PowerShell plus the cluster, Hyper-V, CAU and system ones."""
from ..powershell import Registry
from ..powershell.builtins import CORE
from .cau import CAU_CMDLETS
from .clustering import FAILOVER
from .hyperv import HYPERV
from .networks import NETWORK_CMDLETS
from .system import SYSTEM

REGISTRY = Registry()
for _part in (CORE, FAILOVER, NETWORK_CMDLETS, HYPERV, CAU_CMDLETS, SYSTEM):
    REGISTRY.merge(_part)
