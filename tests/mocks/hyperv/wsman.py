"""WS-Management remote shell (MS-WSMV) as pywinrm 0.5 uses it: Create, Command, Receive, Signal, Send, Delete.

Each Command runs its PowerShell in a thread; Receive waits (up to the request's OperationTimeout)
and answers with base64 streams and CommandState Done plus ExitCode, or with the WS-Man TimedOut
fault that clients retry. Command lines longer than cmd.exe's limit fail as cmd.exe fails them.
A shell keeps the Logon of the connection that created it; its scripts run with it (the second hop).
"""
from __future__ import annotations

import base64
import binascii
import re
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .clixml import error_stream
from .host import Logon, run_script
from .sim import CancelToken

NS = {
    's': 'http://www.w3.org/2003/05/soap-envelope',
    'a': 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
    'w': 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
    'rsp': 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell',
    'p': 'http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd',
    'x': 'http://schemas.xmlsoap.org/ws/2004/09/transfer',
}
SHELL_URI = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell'
TRANSFER = 'http://schemas.xmlsoap.org/ws/2004/09/transfer'
CMD_LINE_LIMIT = 8191
MAX_SHELLS = 30
TIMED_OUT = 2150858793
STREAM_CHUNK = 4096


class Fault(Exception):
    """A WS-Man SOAP fault (HTTP 500)."""

    def __init__(self, code: str, subcode: str, wsman_code: int, message: str):
        super().__init__(message)
        self.code, self.subcode, self.wsman_code, self.message = code, subcode, wsman_code, message


@dataclass
class Command:
    command_id: str
    line: str
    token: CancelToken = field(default_factory=CancelToken)
    done: threading.Event = field(default_factory=threading.Event)
    stdout: bytes = b''
    stderr: bytes = b''
    exit_code: int = 0
    delivered: bool = False


@dataclass
class Shell:
    shell_id: str
    codepage: int
    logon: Logon
    commands: dict[str, Command] = field(default_factory=dict)


class WSManService:
    """Shell bookkeeping and SOAP in/out; `state` gives the current cluster and records commands."""

    def __init__(self, state):
        self.state = state
        self.shells: dict[str, Shell] = {}
        self.lock = threading.Lock()

    # -------------------------------------------------------------- entry
    def handle(self, body: bytes, endpoint: str, logon: Logon) -> tuple[int, str]:
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return 400, ''
        header = root.find('s:Header', NS)
        message_id = self._text(header, 'a:MessageID') or f'uuid:{uuid.uuid4()}'
        action = self._text(header, 'a:Action') or ''
        try:
            if action == f'{TRANSFER}/Create':
                return 200, self._envelope(f'{TRANSFER}/CreateResponse', message_id,
                                           self._create(root, endpoint, logon))
            shell = self._shell(header)
            if action == f'{SHELL_URI}/Command':
                return 200, self._envelope(f'{SHELL_URI}/CommandResponse', message_id, self._command(root, shell))
            if action == f'{SHELL_URI}/Receive':
                return 200, self._envelope(f'{SHELL_URI}/ReceiveResponse', message_id,
                                           self._receive(root, header, shell))
            if action == f'{SHELL_URI}/Signal':
                return 200, self._envelope(f'{SHELL_URI}/SignalResponse', message_id, self._signal(root, shell))
            if action == f'{SHELL_URI}/Send':
                return 200, self._envelope(f'{SHELL_URI}/SendResponse', message_id, '<rsp:SendResponse/>')
            if action == f'{TRANSFER}/Delete':
                self._delete(shell)
                return 200, self._envelope(f'{TRANSFER}/DeleteResponse', message_id, '')
            raise Fault('s:Sender', 'a:ActionNotSupported', 2150858776,
                        f'The WS-Management service cannot process the request. The action {action} is not '
                        f'supported by the service.')
        except Fault as fault:
            return 500, self._fault(message_id, fault)

    # ---------------------------------------------------------- operations
    def _create(self, root, endpoint: str, logon: Logon) -> str:
        options = {o.get('Name'): (o.text or '') for o in root.iterfind('.//w:Option', NS)}
        with self.lock:
            if len(self.shells) >= MAX_SHELLS:
                raise Fault('s:Receiver', 'w:InternalError', 2150859174,
                            f'The WS-Management service cannot process the request. This user is allowed a maximum '
                            f'number of {MAX_SHELLS} concurrent shells, which has been exceeded. Close existing shells '
                            f'or raise the quota for this user.')
            shell = Shell(str(uuid.uuid4()).upper(), int(options.get('WINRS_CODEPAGE') or 437), logon)
            shell.host = endpoint.split('//', 1)[-1].split('/', 1)[0].rsplit(':', 1)[0]  # the machine it reaches
            self.shells[shell.shell_id] = shell
        return (f'<x:ResourceCreated><a:Address>{endpoint}</a:Address><a:ReferenceParameters>'
                f'<w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI>'
                f'<w:SelectorSet><w:Selector Name="ShellId">{shell.shell_id}</w:Selector></w:SelectorSet>'
                f'</a:ReferenceParameters></x:ResourceCreated>')

    def _command(self, root, shell: Shell) -> str:
        line_node = root.find('.//rsp:CommandLine', NS)
        command = self._text(line_node, 'rsp:Command') or ''
        arguments = [a.text or '' for a in line_node.iterfind('rsp:Arguments', NS)] if line_node is not None else []
        line = ' '.join([command.strip()] + arguments).strip()
        cmd = Command(str(uuid.uuid4()).upper(), line)
        cmd.host = getattr(shell, 'host', None)  # scenario `endpoints`: HTTP Host name -> machine
        shell.commands[cmd.command_id] = cmd
        threading.Thread(target=self._execute, args=(shell, cmd), name=f'winrs-{cmd.command_id[:8]}',
                         daemon=True).start()
        return f'<rsp:CommandResponse><rsp:CommandId>{cmd.command_id}</rsp:CommandId></rsp:CommandResponse>'

    def _receive(self, root, header, shell: Shell) -> str:
        stream = root.find('.//rsp:DesiredStream', NS)
        cmd = self._command_of(shell, stream.get('CommandId') if stream is not None else None)
        timeout = self._timeout_seconds(header)
        if not cmd.done.wait(timeout):
            raise Fault('s:Receiver', 'w:TimedOut', TIMED_OUT,
                        'The WS-Management service cannot complete the operation within the time specified in '
                        'OperationTimeout.')
        cid = cmd.command_id
        parts = []
        if not cmd.delivered:
            for name, data in (('stdout', cmd.stdout), ('stderr', cmd.stderr)):
                for i in range(0, len(data), STREAM_CHUNK):
                    chunk = base64.b64encode(data[i:i + STREAM_CHUNK]).decode('ascii')
                    parts.append(f'<rsp:Stream Name="{name}" CommandId="{cid}">{chunk}</rsp:Stream>')
            cmd.delivered = True
        parts.append(f'<rsp:Stream Name="stdout" CommandId="{cid}" End="true"></rsp:Stream>')
        parts.append(f'<rsp:Stream Name="stderr" CommandId="{cid}" End="true"></rsp:Stream>')
        parts.append(f'<rsp:CommandState CommandId="{cid}" State="{SHELL_URI}/CommandState/Done">'
                     f'<rsp:ExitCode>{cmd.exit_code}</rsp:ExitCode></rsp:CommandState>')
        return '<rsp:ReceiveResponse>' + ''.join(parts) + '</rsp:ReceiveResponse>'

    def _signal(self, root, shell: Shell) -> str:
        signal = root.find('.//rsp:Signal', NS)
        cmd = self._command_of(shell, signal.get('CommandId') if signal is not None else None)
        self._stop(cmd)
        shell.commands.pop(cmd.command_id, None)
        return '<rsp:SignalResponse/>'

    def _delete(self, shell: Shell) -> None:
        for cmd in list(shell.commands.values()):
            self._stop(cmd)
        with self.lock:
            self.shells.pop(shell.shell_id, None)

    def _stop(self, cmd: Command) -> None:
        if not cmd.done.is_set():
            cluster = self.state.cluster
            cluster.clock.cancel(cmd.token)

    def stop_all(self) -> None:
        with self.lock:
            shells = list(self.shells.values())
            self.shells.clear()
        for shell in shells:
            for cmd in shell.commands.values():
                self._stop(cmd)

    # -------------------------------------------------------------- running
    def _execute(self, shell: Shell, cmd: Command) -> None:
        started = time.monotonic()
        encoding = 'utf-8' if shell.codepage == 65001 else f'cp{shell.codepage}'
        script = ''
        try:
            if len(cmd.line) > CMD_LINE_LIMIT:
                out, err, code = '', 'The command line is too long.\r\n', 1
            else:
                script, out, err, code = self._run_line(cmd, shell.logon)
        except Exception as exc:  # a mock bug must still end the command
            out, err, code = '', f'mock internal error: {exc!r}\r\n', 1
        cmd.stdout = out.encode(encoding, errors='replace')
        cmd.stderr = err.encode(encoding, errors='replace')
        cmd.exit_code = code
        self.state.record_command(cmd.line, script, code, err, time.monotonic() - started, shell.logon)
        cmd.done.set()

    def _run_line(self, cmd: Command, logon: Logon) -> tuple[str, str, str, int]:
        tokens = cmd.line.split()
        program = tokens[0].lower() if tokens else ''
        cluster = self.state.cluster
        if program in ('hostname', 'hostname.exe'):
            return '', cluster.endpoint_node + '\r\n', '', 0
        if program not in ('powershell', 'powershell.exe'):
            return '', '', (f"'{tokens[0] if tokens else ''}' is not recognized as an internal or external command,"
                            f"\r\noperable program or batch file.\r\n"), 1
        script, problem = _script_from_arguments(tokens[1:], cmd.line)
        if problem:
            return '', '', problem, 1
        node = cluster.endpoint_machine(getattr(cmd, 'host', None))
        result = run_script(cluster, node, script, cmd.token, self.state.username, logon)
        return script, result.stdout, error_stream(result.errors, result.warnings), result.exit_code

    # -------------------------------------------------------------- helpers
    def _shell(self, header) -> Shell:
        shell_id = None
        for selector in header.iterfind('.//w:Selector', NS) if header is not None else []:
            if selector.get('Name') == 'ShellId':
                shell_id = (selector.text or '').strip()
        with self.lock:
            shell = self.shells.get(shell_id or '')
        if shell is None:
            raise Fault('s:Sender', 'w:InvalidSelectors', 2150858843,
                        f'The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell '
                        f'was not found on the server. Possible causes are: the specified ShellId is incorrect or '
                        f'the shell no longer exists on the server. Provide the correct ShellId or create a new '
                        f'shell and retry the operation.')
        return shell

    def _command_of(self, shell: Shell, command_id: str | None) -> Command:
        cmd = shell.commands.get((command_id or '').upper())
        if cmd is None:
            raise Fault('s:Sender', 'w:InvalidParameter', 2150858797,
                        f'The request for the Windows Remote Shell with ShellId {shell.shell_id} failed because the '
                        f'command with CommandId {command_id} was not found.')
        return cmd

    @staticmethod
    def _text(parent, path: str) -> str | None:
        if parent is None:
            return None
        node = parent.find(path, NS)
        return None if node is None or node.text is None else node.text.strip()

    @staticmethod
    def _timeout_seconds(header) -> float:
        raw = WSManService._text(header, 'w:OperationTimeout') or 'PT20S'
        m = re.fullmatch(r'PT(\d+(?:\.\d+)?)S', raw)
        return min(float(m.group(1)) if m else 20.0, 60.0)

    @staticmethod
    def _envelope(action: str, relates_to: str, body: str) -> str:
        return ('<s:Envelope xml:lang="en-US" ' + ' '.join(f'xmlns:{k}="{v}"' for k, v in NS.items()) + '>'
                f'<s:Header><a:Action>{action}</a:Action><a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID>'
                f'<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>'
                f'<a:RelatesTo>{relates_to}</a:RelatesTo></s:Header><s:Body>{body}</s:Body></s:Envelope>')

    def _fault(self, relates_to: str, fault: Fault) -> str:
        from xml.sax.saxutils import escape
        body = (f'<s:Fault><s:Code><s:Value>{fault.code}</s:Value><s:Subcode><s:Value>{fault.subcode}</s:Value>'
                f'</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">{escape(fault.message)}</s:Text>'
                f'</s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" '
                f'Code="{fault.wsman_code}" Machine="{self.state.cluster.endpoint_node}"><f:Message>'
                f'{escape(fault.message)}</f:Message></f:WSManFault></s:Detail></s:Fault>')
        return self._envelope('http://schemas.dmtf.org/wbem/wsman/1/wsman/fault', relates_to, body)


def _script_from_arguments(args: list[str], line: str) -> tuple[str, str]:
    """The script given to powershell.exe: -EncodedCommand (UTF-16LE base64) or -Command text."""
    i = 0
    while i < len(args):
        arg = args[i].lower()
        if arg in ('-encodedcommand', '-enc', '-ec', '-e', '-en', '-encoded'):
            if i + 1 >= len(args):
                return '', 'Cannot process the command because -EncodedCommand requires an argument.\r\n'
            try:
                return base64.b64decode(args[i + 1], validate=True).decode('utf-16-le'), ''
            except (binascii.Error, UnicodeDecodeError):
                return '', ('Cannot process the command because the value specified with -EncodedCommand is not '
                            'properly encoded. The value must be Base64 encoded.\r\n')
        if arg in ('-command', '-c'):
            return ' '.join(args[i + 1:]), ''
        if arg in ('-executionpolicy', '-ep', '-inputformat', '-outputformat', '-windowstyle', '-file'):
            i += 2
            continue
        i += 1
    return '', ''
