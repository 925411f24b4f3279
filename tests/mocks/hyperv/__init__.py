"""Mock Hyper-V failover cluster with Cluster-Aware Updating, reached over WinRM (WS-Management).

Real WinRM clients (pywinrm) talk to `wsman.py`; every script is parsed with tree-sitter-powershell
and evaluated by `powershell/` against the cluster model (`cluster.py`, `migration.py`,
`maintenance.py`, `cau.py`) in simulated time (`sim.py`). See README.md.
"""
