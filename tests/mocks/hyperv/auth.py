"""The WinRM listener's authentication and message encryption, per TCP connection, as the WinRM service does it.

Schemes (`winrm get winrm/config/service`): Negotiate (NTLM inside; Kerberos needs a KDC the mock does not have,
so it is never offered), CredSSP (the client's credentials reach the server: the session is delegated) and
Basic (off by default, and only over HTTPS unless AllowUnencrypted). Over HTTP, Negotiate and CredSSP sessions
exchange MS-WSMV encrypted messages (`multipart/encrypted`); an unencrypted SOAP body is refused while
AllowUnencrypted is false (the default). Authentication holds for the connection (HTTP keep-alive).
The NTLM acceptor is pyspnego's; it reads its accounts from the file named by `NTLM_USER_FILE`.
"""
from __future__ import annotations

import base64
import contextlib
import os
import re
import struct
import tempfile
import threading
from dataclasses import asdict, dataclass, fields

import spnego
from spnego.exceptions import SpnegoError

from .host import Logon

SPNEGO_ENCRYPTED = 'application/HTTP-SPNEGO-session-encrypted'
CREDSSP_ENCRYPTED = 'application/HTTP-CredSSP-session-encrypted'
BOUNDARY = b'--Encrypted Boundary'
OCTET_STREAM = b'\tContent-Type: application/octet-stream\r\n'
CREDSSP_CHUNK = 16384  # MS-WSMV: a CredSSP message over 16 KiB goes as multipart/x-multi-encrypted chunks
NTLM_NEGOTIATE = b'NTLMSSP\x00\x01\x00\x00\x00'
STATUS_LOGON_FAILURE = -0x3FFFFF93  # 0xC000006D as a signed 32-bit NTSTATUS
_USER_FILE_LOCK = threading.Lock()


class Refused(Exception):
    """The listener answers this HTTP status (and headers) instead of serving the request."""

    def __init__(self, status: int, headers: list[tuple[str, str]] | None = None):
        super().__init__(status)
        self.status = status
        self.headers = headers or []


@dataclass
class ListenerConfig:
    """The service's auth settings (scenario key `winrm`, control API `/_mock/winrm`). The defaults are the
    WinRM service's, except CredSSP: the cluster's nodes ran `Enable-WSManCredSSP -Role Server`."""
    basic: bool = False
    negotiate: bool = True
    credssp: bool = True
    allow_unencrypted: bool = False

    @classmethod
    def from_scenario(cls, data: dict) -> 'ListenerConfig':
        config = cls()
        config.update(data.get('winrm') or {})
        return config

    def update(self, settings: dict) -> None:
        names = [f.name for f in fields(self)]
        for key, value in settings.items():
            if key not in names:
                raise ValueError(f'unknown winrm setting {key!r}; known: {", ".join(names)}')
            if not isinstance(value, bool):
                raise ValueError(f'winrm setting {key!r} must be true or false')
            setattr(self, key, value)

    def as_dict(self) -> dict:
        return asdict(self)

    def basic_usable(self, https: bool) -> bool:
        return self.basic and (https or self.allow_unencrypted)

    def challenge(self, https: bool = False) -> list[tuple[str, str]]:
        """The WWW-Authenticate headers of a 401: the schemes a client may use here."""
        offers = ['Negotiate'] if self.negotiate else []
        offers += ['Basic realm="WSMAN"'] if self.basic_usable(https) else []
        offers += ['CredSSP'] if self.credssp else []
        return [('WWW-Authenticate', offer) for offer in offers]


class Accounts:
    """The scenario's account, as the NTLM acceptor reads it (a `DOMAIN:USER:PASSWORD` file) and as Basic and
    CredSSP's delegated credentials are checked (user matched by short name, password exactly)."""

    def __init__(self, username: str, password: str, domain: str):
        self.short = _short(username)
        self.password = password
        netbios = username.split('\\')[0] if '\\' in username else domain.split('.')[0]
        lines = [f'{netbios.upper()}:{self.short}:{password}', f'{domain}:{self.short}:{password}',
                 f':{self.short}@{domain}:{password}', f':{self.short}:{password}']
        handle, self.path = tempfile.mkstemp(prefix='hyperv-mock-users-', suffix='.txt')
        with os.fdopen(handle, 'w', encoding='utf-8') as out:
            out.write('\n'.join(lines) + '\n')

    def matches(self, user: str, password: str) -> bool:
        return _short(user) == self.short.lower() and password == self.password

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def _short(user: str) -> str:
    return user.rsplit('\\', maxsplit=1)[-1].split('@', maxsplit=1)[0].lower()


@contextlib.contextmanager
def _user_file(path: str):
    """pyspnego's NTLM acceptor reads NTLM_USER_FILE from the environment: one server at a time sets it."""
    with _USER_FILE_LOCK:
        previous = os.environ.get('NTLM_USER_FILE')
        os.environ['NTLM_USER_FILE'] = path
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop('NTLM_USER_FILE', None)
            else:
                os.environ['NTLM_USER_FILE'] = previous


class _LogonFailure:
    """CredSSP's inner NTLM acceptor; a refused logon goes back to the client in the CredSSP error token as
    STATUS_LOGON_FAILURE, the status a Windows server sends (pywinrm raises NTStatusException for it)."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def step(self, *args, **kwargs):
        try:
            return self._inner.step(*args, **kwargs)
        except SpnegoError as exc:
            raise SpnegoError(STATUS_LOGON_FAILURE, context_msg=str(exc)) from exc


class Connection:
    """One TCP connection: a handshake in progress, then its Logon and the context that seals its messages."""

    def __init__(self):
        self.scheme: str | None = None   # 'negotiate' | 'credssp' | 'basic' once a handshake started
        self.context = None               # pyspnego acceptor (negotiate, credssp)
        self.logon: Logon | None = None

    # ------------------------------------------------------------ authentication
    def authenticate(self, config: ListenerConfig, accounts: Accounts, header: str | None,
                     https: bool = False) -> tuple[Logon, list[tuple[str, str]]]:
        """The connection's Logon (and headers for the 200), or Refused(401) with the next challenge."""
        if not header:
            if self.logon is None:
                raise Refused(401, config.challenge(https))
            return self.logon, []
        scheme, _sep, token = header.strip().partition(' ')
        scheme = scheme.lower()
        if scheme == 'basic' and config.basic_usable(https):
            return self._basic(config, accounts, token, https), []
        if scheme == 'negotiate' and config.negotiate:
            return self._step('negotiate', config, accounts, token, https)
        if scheme == 'credssp' and config.credssp:
            return self._step('credssp', config, accounts, token, https)
        raise Refused(401, config.challenge(https))  # Kerberos, Digest, a scheme turned off

    def _basic(self, config, accounts, token, https) -> Logon:
        try:
            user, _sep, password = base64.b64decode(token).decode('utf-8').partition(':')
        except (ValueError, UnicodeDecodeError):
            user = password = ''
        if not accounts.matches(user, password):
            self._forget()
            raise Refused(401, config.challenge(https))
        self.scheme, self.context, self.logon = 'basic', None, Logon(user, 'basic', False)
        return self.logon

    def _step(self, scheme, config, accounts, token, https) -> tuple[Logon, list[tuple[str, str]]]:
        try:
            data = base64.b64decode(token, validate=True)
        except ValueError:
            raise Refused(400) from None
        if self._starts_handshake(scheme, data):
            self._forget()
            self.scheme = scheme
            protocol = 'ntlm' if data.startswith(NTLM_NEGOTIATE) else scheme
            with _user_file(accounts.path):
                if scheme == 'credssp':
                    inner = _LogonFailure(spnego.server(service='HTTP', protocol='negotiate'))
                    self.context = spnego.server(service='HTTP', protocol='credssp', credssp_negotiate_context=inner)
                else:
                    self.context = spnego.server(service='HTTP', protocol=protocol)
        elif self.scheme != scheme or self.context is None or self.context.complete:
            self._forget()
            raise Refused(401, config.challenge(https))
        try:
            with _user_file(accounts.path):
                out = self.context.step(data)
        except SpnegoError:  # wrong password, unknown user, a token it cannot read
            self._forget()
            raise Refused(401, config.challenge(https)) from None
        name = 'Negotiate' if scheme == 'negotiate' else 'CredSSP'
        answer = [('WWW-Authenticate', f'{name} {base64.b64encode(out).decode()}')] if out else []
        if not self.context.complete:
            if not out:  # the acceptor gave up (CredSSP sends its error code in the token above otherwise)
                self._forget()
                raise Refused(401, config.challenge(https))
            raise Refused(401, answer)
        self.logon = self._logon(scheme, accounts, config, https)
        return self.logon, answer

    def _starts_handshake(self, scheme: str, data: bytes) -> bool:
        """An NTLM Negotiate message or SPNEGO's NegTokenInit; a TLS ClientHello for CredSSP."""
        if scheme == 'credssp':
            return len(data) > 5 and data[0] == 0x16 and data[5] == 0x01
        return data.startswith(NTLM_NEGOTIATE) or data[:1] == b'\x60'

    def _logon(self, scheme, accounts, config, https) -> Logon:
        if scheme == 'negotiate':
            return Logon(self.context.client_principal or '', 'ntlm', False)
        creds = self.context.get_extra_info('client_credential')
        user = f'{getattr(creds, "domain_name", "")}\\{getattr(creds, "username", "")}'
        if not accounts.matches(user, getattr(creds, 'password', None) or ''):  # the credentials it delegated
            self._forget()
            raise Refused(401, config.challenge(https))
        return Logon(user, 'credssp', True)

    def _forget(self) -> None:
        self.scheme = self.context = self.logon = None

    # ---------------------------------------------------------------- encryption
    def open(self, body: bytes, content_type: str, config: ListenerConfig, https: bool = False) -> tuple[bytes, bool]:
        """The request's SOAP message and whether it came encrypted (the reply then goes encrypted too)."""
        kind = content_type.split(';', 1)[0].strip().lower()
        if kind in ('multipart/encrypted', 'multipart/x-multi-encrypted'):
            if self.context is None or not self.context.complete:
                raise Refused(400)
            expected = SPNEGO_ENCRYPTED if self.scheme == 'negotiate' else CREDSSP_ENCRYPTED
            if f'protocol="{expected}"'.lower() not in content_type.lower():
                raise Refused(400)
            return self._decrypt(body), True
        if body and not https and not config.allow_unencrypted:
            raise Refused(500)  # AllowUnencrypted=false: the service drops an unencrypted message over HTTP
        return body, False

    def seal(self, message: bytes) -> tuple[bytes, str]:
        """An encrypted reply: its body and Content-Type."""
        if self.scheme == 'credssp' and len(message) > CREDSSP_CHUNK:
            chunks = [message[i:i + CREDSSP_CHUNK] for i in range(0, len(message), CREDSSP_CHUNK)]
            kind = 'multipart/x-multi-encrypted'
        else:
            kind, chunks = 'multipart/encrypted', [message]
        protocol = SPNEGO_ENCRYPTED if self.scheme == 'negotiate' else CREDSSP_ENCRYPTED
        body = b''.join(self._part(chunk, protocol.encode()) for chunk in chunks) + BOUNDARY + b'--\r\n'
        return body, f'{kind};protocol="{protocol}";boundary="Encrypted Boundary"'

    def _part(self, chunk: bytes, protocol: bytes) -> bytes:
        wrapped = self.context.wrap_winrm(chunk)
        return (BOUNDARY + b'\r\n\tContent-Type: ' + protocol + b'\r\n\tOriginalContent: '
                b'type=application/soap+xml;charset=UTF-8;Length=' + str(len(chunk)).encode() + b'\r\n' +
                BOUNDARY + b'\r\n' + OCTET_STREAM + struct.pack('<I', len(wrapped.header)) + wrapped.header +
                wrapped.data)

    def _decrypt(self, body: bytes) -> bytes:
        if body.endswith(BOUNDARY + b'--\r\n'):
            body = body[:-len(BOUNDARY + b'--\r\n')]
        parts = [p for p in body.split(BOUNDARY + b'\r\n') if p]
        if not parts or len(parts) % 2:
            raise Refused(400)
        message = b''
        for header, payload in zip(parts[0::2], parts[1::2]):
            length = re.search(rb'Length=(\d+)', header)
            if not length or not payload.startswith(OCTET_STREAM):
                raise Refused(400)
            sealed = payload[len(OCTET_STREAM):]
            try:
                if self.scheme == 'credssp':
                    plain = self.context.unwrap(sealed[4:]).data
                else:
                    size = struct.unpack('<I', sealed[:4])[0]
                    plain = self.context.unwrap_winrm(sealed[4:4 + size], sealed[4 + size:])
            except (SpnegoError, struct.error):
                raise Refused(400) from None
            if len(plain) != int(length.group(1)):
                raise Refused(400)
            message += plain
        return message
