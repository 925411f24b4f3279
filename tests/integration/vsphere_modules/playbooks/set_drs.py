"""Set a cluster's default DRS automation level through the vSphere API: set_drs.py <connection json> <cluster> <level>."""

import json
import sys

from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim


def main(connection, cluster_name, level):
    si = SmartConnect(host=connection["hostname"], port=connection["port"], user=connection["username"],
                      pwd=connection["password"], disableSslCertValidation=True)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ClusterComputeResource], True)
        cluster = [c for c in view.view if c.name == cluster_name][0]
        spec = vim.cluster.ConfigSpecEx(drsConfig=vim.cluster.DrsConfigInfo(defaultVmBehavior=level))
        WaitForTask(cluster.ReconfigureComputeResource_Task(spec, True))
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), sys.argv[2], sys.argv[3])
