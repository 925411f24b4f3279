"""vSphere mock hosts: vcsimx (vcsim from govmomi 0.24.2, extended) and its launcher."""

from .control import BUILD_SCRIPT, DEFAULT_BINARY, SCENARIO_DIR, VSphereMock, build, load_scenario

__all__ = ["BUILD_SCRIPT", "DEFAULT_BINARY", "SCENARIO_DIR", "VSphereMock", "build", "load_scenario"]
