"""pyvmomi helpers for the mock tests: lookups by name and task polling."""

import time

from pyVmomi import vim


def find(si, vimtype, name):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vimtype], True)
    try:
        for obj in view.view:
            if obj.name == name:
                return obj
    finally:
        view.Destroy()
    raise LookupError(f"no {vimtype.__name__} named {name}")


def names(objs):
    return sorted(o.name for o in objs)


def wait_for_task(task, timeout=30.0, poll=0.05):
    """Poll task.info until it leaves queued/running; return the TaskInfo."""
    deadline = time.monotonic() + timeout
    while True:
        info = task.info
        if info.state in (vim.TaskInfo.State.success, vim.TaskInfo.State.error):
            return info
        if time.monotonic() > deadline:
            raise TimeoutError(f"task {info.key} ({info.descriptionId}) still {info.state} at {info.progress}%")
        time.sleep(poll)


def run_task(task, timeout=30.0):
    """Like pyVim.task.WaitForTask: the result, or the task's fault raised."""
    info = wait_for_task(task, timeout)
    if info.state == vim.TaskInfo.State.error:
        raise info.error
    return info.result


def option(host, key):
    return host.configManager.advancedOption.QueryOptions(key)[0].value


def vmotion_selected(host):
    for nc in host.config.virtualNicManagerInfo.netConfig:
        if nc.nicType == "vmotion":
            return list(nc.selectedVnic)
    return []
