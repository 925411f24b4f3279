"""Which Windows Server each machine runs, and the UI language its messages come in.

Releases and builds (Win32_OperatingSystem Version / BuildNumber) are Microsoft's published ones. The
Japanese texts are the mock's own translations (Windows' own resources are not public): tests check that
modules do not depend on English text, not the exact Japanese wording.
"""
from __future__ import annotations

RELEASES = {
    '2016': ('10.0.14393', 'Microsoft Windows Server 2016 Datacenter'),
    '2019': ('10.0.17763', 'Microsoft Windows Server 2019 Datacenter'),
    '2022': ('10.0.20348', 'Microsoft Windows Server 2022 Datacenter'),
    '2025': ('10.0.26100', 'Microsoft Windows Server 2025 Datacenter'),
}
DEFAULT_RELEASE = '2022'
LOCALES = ('en-US', 'ja-JP')

MESSAGES = {
    'cau_no_role': {
        'en-US': 'The current cluster is not configured with a Cluster-Aware Updating clustered role.',
        'ja-JP': '現在のクラスターには、クラスター対応更新のクラスター化された役割が構成されていません。'},
    'cau_role_exists': {
        'en-US': "A Cluster-Aware Updating clustered role is already configured on cluster '{cluster}'.",
        'ja-JP': "クラスター '{cluster}' には、クラスター対応更新のクラスター化された役割が既に構成されています。"},
    'cau_run_in_progress': {
        'en-US': "An Updating Run is already in progress on cluster '{cluster}'.",
        'ja-JP': "クラスター '{cluster}' では更新実行が既に進行中です。"},
    'cau_run_on_node': {
        'en-US': ("The computer '{machine}' is a node of cluster '{cluster}'. An Updating Run started with "
                  "Invoke-CauRun must be coordinated from a computer that is not a member of the cluster."),
        'ja-JP': ("コンピューター '{machine}' はクラスター '{cluster}' のノードです。Invoke-CauRun で開始する更新実行は、"
                  "クラスターのメンバーではないコンピューターから調整する必要があります。")},
    'cau_no_cluster_name': {
        'en-US': ("The computer '{machine}' is not a node of a failover cluster. Specify the cluster with the "
                  "ClusterName parameter."),
        'ja-JP': "コンピューター '{machine}' はフェールオーバー クラスターのノードではありません。ClusterName パラメーターでクラスターを指定してください。"},
    'cau_cluster_not_found': {
        'en-US': "The cluster '{name}' could not be found.",
        'ja-JP': "クラスター '{name}' が見つかりません。"},
    'cau_access_denied': {
        'en-US': "Access is denied. The credentials of this session cannot be used to connect to cluster '{cluster}'.",
        'ja-JP': "アクセスが拒否されました。このセッションの資格情報ではクラスター '{cluster}' に接続できません。"},
    'run_failed': {
        'en-US': "The Updating Run on cluster '{cluster}' ended with status {status}: {error}",
        'ja-JP': "クラスター '{cluster}' の更新実行は状態 {status} で終了しました: {error}"},
    'no_events': {
        'en-US': 'No events were found that match the specified selection criteria.',
        'ja-JP': '指定された選択条件に一致するイベントが見つかりませんでした。'},
    # event 21502 (Hyper-V-High-Availability) on the migration source: the Japanese text follows the one quoted
    # in the Microsoft Japan support blog post behind the CAU failback race (see README)
    'event_21502': {
        'en-US': ("Live migration of 'Virtual Machine {vm}' failed.\r\n\r\n"
                  "Virtual machine migration operation for '{vm}' failed at migration destination '{target}'. "
                  "(Virtual machine ID {vm_id})\r\n\r\n'{vm}' could not initialize. (Virtual machine ID {vm_id})"
                  "\r\n\r\nNot enough memory in the system to start the virtual machine {vm} with ram size "
                  "{memory_mb} megabytes. (Virtual machine ID {vm_id})"),
        'ja-JP': ("'仮想マシン {vm}' のライブ マイグレーションが失敗しました。\r\n\r\n'{vm}' の仮想マシン移行操作が"
                  "移行先 '{target}' で失敗しました。(仮想マシン ID {vm_id})\r\n\r\n"
                  "'{vm}' は初期化できませんでした。(仮想マシン ID {vm_id})\r\n\r\n"
                  "RAM 容量が {memory_mb} MB の仮想マシン {vm} を起動するために必要なメモリがシステムに不足しています。"
                  "(仮想マシン ID {vm_id})")},
    'parameter_not_found': {
        'en-US': "A parameter cannot be found that matches parameter name '{name}'.",
        'ja-JP': "パラメーター名 '{name}' に一致するパラメーターが見つかりません。"},
}


def release_of(cluster, machine) -> str:
    """The Windows Server release ('2016' ... '2025') the machine runs."""
    return cluster.os_versions.get(machine.name.lower(), DEFAULT_RELEASE)


def message(where, key: str, **values) -> str:
    """A message in the UI language of `where`'s cluster (English when it has no translation)."""
    texts = MESSAGES[key]
    return texts.get(getattr(where, 'locale', 'en-US'), texts['en-US']).format(**values)
