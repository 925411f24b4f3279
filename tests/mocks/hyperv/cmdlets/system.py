"""Node-level cmdlets: the System event log, files on the node's disk, remoting, CIM memory figures."""
from __future__ import annotations

from ..cluster import Node
from ..powershell import Interpreter, Invocation, Param, Registry
from ..powershell.values import PSHashtable, PSObject, ScriptBlock, parse_datetime, to_int, to_string, unroll
from .objects import event_object
from ..windows import RELEASES, message, release_of
from .second_hop import DENIED, blocked

SYSTEM = Registry()
FILTER_KEYS = {'logname', 'providername', 'id', 'level', 'starttime', 'endtime', 'keywords', 'userid', 'data',
               'path', 'suppresshashfilter'}


def _target_node(inv: Invocation, param: str = 'ComputerName') -> Node | None:
    name = inv.get(param)
    if not name or name in ('.', 'localhost'):
        return inv.host.node
    node = inv.host.cluster.node(name)
    why = 'down' if node is None or node.state == 'Down' else blocked(inv, node)
    if why == DENIED:
        inv.write_error('Attempted to perform an unauthorized operation.', 'NotSpecified',
                        'System.UnauthorizedAccessException', 'UnauthorizedAccessException', name)
        return None
    if why:
        inv.write_error('The RPC server is unavailable', 'NotSpecified',
                        'System.Diagnostics.Eventing.Reader.EventLogException', 'EventLogException', name)
        return None
    return node


def _matches(record, table: PSHashtable) -> bool:
    for key, value in table.items():
        low = key.lower()
        wanted = unroll(value)
        if low == 'logname' and record.log_name.lower() not in {to_string(w).lower() for w in wanted}:
            return False
        if low == 'providername' and record.provider.lower() not in {to_string(w).lower() for w in wanted}:
            return False
        if low == 'id' and record.event_id not in {to_int(w) for w in wanted}:
            return False
        if low == 'level' and record.level not in {to_int(w) for w in wanted}:
            return False
        if low == 'starttime' and record.time < parse_datetime(value):
            return False
        if low == 'endtime' and record.time > parse_datetime(value):
            return False
    return True


@SYSTEM.add('Get-WinEvent', Param('LogName', 'string[]', position=0), Param('FilterHashtable', 'hashtable[]'),
            Param('ProviderName', 'string[]'), Param('ComputerName'), Param('MaxEvents', 'int'),
            Param('Oldest', 'switch'), Param('Credential', 'object'))
def get_win_event(inv: Invocation):
    node = _target_node(inv)
    if node is None:
        return None
    filters = inv.get('FilterHashtable') or [PSHashtable([('LogName', inv.get('LogName') or ['System'])])]
    if inv.get('ProviderName'):
        filters = [PSHashtable([('ProviderName', inv.get('ProviderName'))])]
    for table in filters:
        bad = [k for k in table.keys() if k.lower() not in FILTER_KEYS]
        if bad:
            raise inv.fail(f"The specified hash table key '{bad[0]}' is not valid.", 'InvalidArgument',
                           'InvalidHashtableKey', 'Exception', bad[0])
        logs = [to_string(v).lower() for v in unroll(table.get('LogName'))]
        if logs and any(log not in ('system',) for log in logs):
            unknown = next(log for log in logs if log != 'system')
            inv.write_error(f'There is not an event log on the {node.name} computer that matches "{unknown}".',
                            'ObjectNotFound', 'NoMatchingLogsFound', 'Exception', unknown)
            return None
    records = [r for r in node.events if any(_matches(r, t) for t in filters)]
    records.sort(key=lambda r: r.record_id, reverse=not inv.get('Oldest'))
    if inv.given('MaxEvents'):
        records = records[:inv.get('MaxEvents')]
    if not records:
        inv.write_error(message(inv.host.cluster, 'no_events'), 'ObjectNotFound',
                        'NoMatchingEventsFound', 'Exception')
        return None
    return [event_object(r) for r in records]


def _paths(inv: Invocation) -> list[str]:
    return [to_string(p) for p in unroll(inv.get('Path'))]


def _share_refused(inv: Invocation, path: str, fqid: str) -> bool:
    """True after writing the error when `path` is another node's share (\\\\NODE\\C$) the session cannot reach.

    fqid: the provider's error id prefix, e.g. GetContentReader (-> GetContentReaderUnauthorizedAccessError).
    With no fqid nothing is written (Test-Path answers $false).
    """
    clean = path.replace('/', '\\').strip()
    if not clean.startswith('\\\\'):
        return False
    node = inv.host.cluster.node(clean[2:].split('\\')[0])
    why = blocked(inv, node) if node is not None and node.state != 'Down' else None
    if why and fqid:
        if why == DENIED:
            inv.write_error(f"Access to the path '{path}' is denied.", 'PermissionDenied',
                            fqid + 'UnauthorizedAccessError', 'UnauthorizedAccessException', path)
        else:
            inv.write_error('The network path was not found.', 'NotSpecified', fqid + 'IOError', 'IOException', path)
    return bool(why)


@SYSTEM.add('Test-Path', Param('Path', 'string[]', position=0, mandatory=True), Param('PathType'),
            Param('IsValid', 'switch'))
def test_path(inv: Invocation):
    cluster, node = inv.host.cluster, inv.host.node
    kind = (inv.get('PathType') or 'Any').lower()
    out = []
    for path in _paths(inv):
        found = None if _share_refused(inv, path, '') else cluster.path_kind(node, path)
        out.append(found is not None and (kind == 'any' or found.lower() == kind))
    return out


@SYSTEM.add('Get-Content', Param('Path', 'string[]', position=0, mandatory=True), Param('Raw', 'switch'),
            Param('Encoding'), Param('TotalCount', 'int'), aliases=('gc', 'cat', 'type'))
def get_content(inv: Invocation):
    cluster, node = inv.host.cluster, inv.host.node
    out = []
    for path in _paths(inv):
        if _share_refused(inv, path, 'GetContentReader'):
            continue
        text = cluster.read_file(node, path)
        if text is None:
            inv.write_error(f"Cannot find path '{path}' because it does not exist.", 'ObjectNotFound',
                            'PathNotFound', 'ItemNotFoundException', path)
            continue
        if inv.get('Raw'):
            out.append(text)
        else:
            lines = text.replace('\r\n', '\n').split('\n')
            if lines and lines[-1] == '':
                lines.pop()
            out.extend(lines)
    return out


@SYSTEM.add('Set-Content', Param('Path', 'string[]', position=0, mandatory=True),
            Param('Value', 'object[]', position=1, pipeline=True), Param('Encoding'), Param('Force', 'switch'),
            Param('NoNewline', 'switch'), should_process=True, aliases=('sc',))
def set_content(inv: Invocation):
    cluster, node = inv.host.cluster, inv.host.node
    values = (inv.get('Value') or []) + list(inv.input)
    separator = '' if inv.get('NoNewline') else '\r\n'
    text = separator.join(to_string(v) for v in values) + separator
    for path in _paths(inv):
        if _share_refused(inv, path, 'GetContentWriter'):
            continue
        problem = cluster.write_file(node, path, text)
        if problem:
            inv.write_error(problem, 'ObjectNotFound', 'GetContentWriterDirectoryNotFoundError',
                            'DirectoryNotFoundException', path)


@SYSTEM.add('New-Item', Param('Path', 'string[]', position=0), Param('Name'), Param('ItemType', aliases=('Type',)),
            Param('Value', 'object', pipeline=True), Param('Force', 'switch'), should_process=True)
def new_item(inv: Invocation):
    cluster, node = inv.host.cluster, inv.host.node
    out = []
    for path in _paths(inv):
        if inv.get('Name'):
            path = path.rstrip('\\') + '\\' + inv.get('Name')
        is_dir = (inv.get('ItemType') or 'File').lower() == 'directory'
        if _share_refused(inv, path, 'CreateDirectory' if is_dir else 'NewItem'):
            continue
        exists = cluster.path_kind(node, path)
        if exists and not inv.get('Force'):
            inv.write_error(f'An item with the specified name {path} already exists.', 'ResourceExists',
                            'DirectoryExist', 'IOException', path)
            continue
        problem = cluster.make_dir(node, path) if is_dir else \
            cluster.write_file(node, path, to_string(inv.get('Value')))
        if problem:
            inv.write_error(problem, 'ObjectNotFound', 'NewItemIOError', 'IOException', path)
            continue
        out.append(PSObject('System.IO.DirectoryInfo' if is_dir else 'System.IO.FileInfo', [
            ('Name', path.rstrip('\\').split('\\')[-1]), ('FullName', path), ('PSIsContainer', is_dir)],
            to_string=path.rstrip('\\').split('\\')[-1]))
    return out


@SYSTEM.add('Remove-Item', Param('Path', 'string[]', position=0, mandatory=True), Param('Force', 'switch'),
            Param('Recurse', 'switch'), should_process=True, aliases=('del', 'rm'))
def remove_item(inv: Invocation):
    cluster, node = inv.host.cluster, inv.host.node
    for path in _paths(inv):
        if _share_refused(inv, path, 'RemoveFileSystemItem'):
            continue
        if not cluster.remove_path(node, path):
            inv.write_error(f"Cannot find path '{path}' because it does not exist.", 'ObjectNotFound',
                            'PathNotFound', 'ItemNotFoundException', path)


# The WinRM client's answers when a session without delegated credentials, or any session to a node that does
# not answer, reaches another node (texts as Windows writes them; not in Microsoft's reference pages).
WINRM_NO_CREDENTIALS = ('WinRM cannot process the request. The following error with errorcode 0x8009030e occurred '
                        'while using Negotiate authentication: A specified logon session does not exist. It may '
                        'already have been terminated.')
WINRM_NO_ANSWER = ('WinRM cannot complete the operation. Verify that the specified computer name is valid, that the '
                   'computer is accessible over the network, and that a firewall exception for the WinRM service is '
                   'enabled and allows access from this computer.')


@SYSTEM.add('Invoke-Command', Param('ScriptBlock', 'scriptblock', position=0, mandatory=True),
            Param('ComputerName', 'string[]', aliases=('Cn',)), Param('ArgumentList', 'object[]', aliases=('Args',)),
            Param('Credential', 'object'), Param('Authentication'), Param('HideComputerName', 'switch'),
            Param('ErrorVariableNotUsed', 'switch'))
def invoke_command(inv: Invocation):
    """Run the block on each node in a fresh session; `$using:` reads the caller's variables."""
    block: ScriptBlock = inv.get('ScriptBlock')
    cluster = inv.host.cluster
    targets = inv.get('ComputerName') or [None]
    out = []
    for name in targets:
        if name is None:
            out.extend(inv.interp.invoke_scriptblock(block, args=inv.get('ArgumentList') or []))
            continue
        node = cluster.node(name)
        if node is None or node.state == 'Down':
            inv.write_error(f'[{name}] Connecting to remote server {name} failed with the following error message : '
                            f'WinRM cannot complete the operation. Verify that the specified computer name is valid, '
                            f'that the computer is accessible over the network.', 'OpenError',
                            'WinRMOperationTimeout,PSSessionStateBroken', 'PSRemotingTransportException', name)
            continue
        why = blocked(inv, node)
        if why:
            _remoting_refused(inv, name, why)
            continue
        remote = Interpreter(inv.host.on(node, using_variables=dict(inv.interp.variables.items())))
        remote.source_lines = inv.interp.source_lines
        out.extend(remote.invoke_scriptblock(block, args=inv.get('ArgumentList') or []))
        for record in remote.errors:
            inv.interp.emit_error(record)
    return out


def _remoting_refused(inv: Invocation, name: str, why: str) -> None:
    """Invoke-Command to a node the session cannot reach: no credentials to offer (second hop) or no answer."""
    if why == DENIED:
        inv.write_error(f'[{name}] Connecting to remote server {name} failed with the following error message : '
                        f'{WINRM_NO_CREDENTIALS} For more information, see the about_Remote_Troubleshooting Help '
                        f'topic.', 'OpenError', '-2146893810,PSSessionStateBroken', 'PSRemotingTransportException',
                        name)
    else:
        inv.write_error(f'[{name}] Connecting to remote server {name} failed with the following error message : '
                        f'{WINRM_NO_ANSWER} For more information, see the about_Remote_Troubleshooting Help topic.',
                        'OpenError', 'WinRMOperationTimeout,PSSessionStateBroken', 'PSRemotingTransportException',
                        name)


@SYSTEM.add('Get-CimInstance', Param('ClassName', position=0, aliases=('Class',)), Param('ComputerName', 'string[]'),
            Param('Namespace'), Param('Filter'), aliases=('gwmi', 'Get-WmiObject'))
def get_cim_instance(inv: Invocation):
    cluster = inv.host.cluster
    class_name = (inv.get('ClassName') or '').lower()
    out = []
    for name in (inv.get('ComputerName') or [inv.host.node.name]):
        node = inv.host.node if str(name).lower() == inv.host.node.name.lower() else cluster.node(name)
        if node is None or node.state == 'Down':
            inv.write_error(f'WinRM cannot process the request. The client cannot connect to {name}.',
                            'ConnectionError', 'HRESULT 0x80338126', 'CimException', name)
            continue
        why = blocked(inv, node)
        if why == DENIED:
            inv.write_error(WINRM_NO_CREDENTIALS, 'AuthenticationError', 'HRESULT 0x8009030e', 'CimException', name)
            continue
        if why:
            inv.write_error(WINRM_NO_ANSWER, 'ConnectionError', 'HRESULT 0x80338126', 'CimException', name)
            continue
        if class_name == 'win32_operatingsystem':
            out.append(PSObject('Microsoft.Management.Infrastructure.CimInstance#root/cimv2/Win32_OperatingSystem', [
                ('CSName', node.name), ('Caption', RELEASES[release_of(cluster, node)][1]),
                ('Version', RELEASES[release_of(cluster, node)][0]),
                ('BuildNumber', RELEASES[release_of(cluster, node)][0].rsplit('.', 1)[1]),
                ('TotalVisibleMemorySize', node.memory_mb * 1024),
                ('FreePhysicalMemory', max(0, cluster.free_mb(node)) * 1024)], to_string=node.name))
        elif class_name == 'win32_computersystem':
            out.append(PSObject('Microsoft.Management.Infrastructure.CimInstance#root/cimv2/Win32_ComputerSystem', [
                ('Name', node.name), ('Domain', cluster.domain), ('TotalPhysicalMemory', node.memory_mb * 1024 ** 2)],
                to_string=node.name))
        else:
            raise inv.fail('Invalid class ', 'MetadataError', 'HRESULT 0x80041010', 'CimException', class_name)
    return out
