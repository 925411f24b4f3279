"""How the mock's WinRM listener authenticates (Negotiate/NTLM, CredSSP, Basic) and encrypts messages over HTTP,
with the real pywinrm 0.5, and the logon each script runs with."""
from __future__ import annotations

import base64

import pytest
import requests
import spnego
import winrm
from requests_credssp.exceptions import AuthenticationException, NTStatusException
from winrm.exceptions import InvalidCredentialsError, WinRMTransportError

USER = 'CONTOSO\\Administrator'
PASSWORD = 'Passw0rd!'
CREATE_SHELL = 'Get-ClusterNode | ForEach-Object { $_.Name }'
NTLM_LOGON = {'user': USER, 'transport': 'ntlm', 'delegated': False}
CREDSSP_LOGON = {'user': USER, 'transport': 'credssp', 'delegated': True}


def content_types(protocol: winrm.Protocol) -> list[str]:
    """Records the Content-Type of every answer the protocol's HTTP session gets."""
    seen: list[str] = []
    session = protocol.transport.build_session()
    session.hooks['response'].append(lambda response, **_: seen.append(response.headers.get('Content-Type', '')))
    return seen


@pytest.mark.parametrize('transport,logon', [('ntlm', NTLM_LOGON), ('credssp', CREDSSP_LOGON)])
def test_handshake_runs_scripts_with_the_connections_logon(small, transport, logon):
    result = small.session(transport=transport).run_ps('$env:USERNAME; ' + CREATE_SHELL)
    assert (result.status_code, result.std_out.split()) == (0, [b'Administrator', b'HV01', b'HV02', b'HV03'])
    assert [c['logon'] for c in small.control.commands()] == [logon]


def test_messages_are_encrypted_over_http_and_big_credssp_answers_come_in_chunks(small):
    protocol = small.protocol(transport='ntlm')
    seen = content_types(protocol)
    shell = protocol.open_shell()
    protocol.close_shell(shell)
    assert seen[-1] == 'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";' \
                       'boundary="Encrypted Boundary"'
    session = small.session()
    seen = content_types(session.protocol)
    assert session.run_ps('"x" * 40000').std_out.strip() == b'x' * 40000
    assert any(t.startswith('multipart/x-multi-encrypted;protocol="application/HTTP-CredSSP-session-encrypted"')
               for t in seen), seen


@pytest.mark.parametrize('transport,error', [('ntlm', WinRMTransportError), ('credssp', AuthenticationException)])
def test_unencrypted_body_is_refused_over_http_unless_allowed(small, transport, error):
    """HTTP 500 for the unencrypted body (requests-credssp, still in its handshake, reports it as its own error)."""
    def unencrypted():
        return winrm.Protocol(small.url, transport=transport, username=USER, password=PASSWORD,
                              message_encryption='never')
    with pytest.raises(error) as refused:
        unencrypted().open_shell()
    assert getattr(refused.value, 'code', 500) == 500
    assert small.control.winrm(allow_unencrypted=True)['allow_unencrypted'] is True
    protocol = unencrypted()
    protocol.close_shell(protocol.open_shell())
    assert small.control.commands() == []


def test_wrong_password_ntlm_401_credssp_logon_failure_and_nothing_runs(small):
    with pytest.raises(InvalidCredentialsError):
        small.session(password='wrong', transport='ntlm').run_ps(CREATE_SHELL)
    with pytest.raises(NTStatusException) as failure:
        small.session(password='wrong').run_ps(CREATE_SHELL)
    assert failure.value.status == 0xC000006D, 'STATUS_LOGON_FAILURE in the CredSSP error token, as Windows sends'
    assert small.control.commands() == []


def test_basic_is_off_by_default_and_needs_allow_unencrypted_over_http(small):
    answer = requests.post(small.url, data=b'', timeout=10)
    offers = [o.strip() for o in answer.headers['WWW-Authenticate'].split(',')]
    assert (answer.status_code, offers) == (401, ['Negotiate', 'CredSSP'])
    with pytest.raises(InvalidCredentialsError):
        small.session(transport='basic').run_ps('1')
    small.control.winrm(basic=True)
    with pytest.raises(InvalidCredentialsError):  # the password would travel readable: refused over HTTP
        small.session(transport='basic').run_ps('1')
    small.control.winrm(allow_unencrypted=True)
    assert small.session(transport='basic').run_ps('$env:USERNAME').std_out.strip() == b'Administrator'
    assert small.control.commands()[-1]['logon'] == {'user': USER, 'transport': 'basic', 'delegated': False}


def test_kerberos_is_not_offered_and_credssp_can_be_turned_off(small):
    answer = requests.post(small.url, data=b'', timeout=10, headers={'Authorization': 'Kerberos YIIB'})
    assert answer.status_code == 401 and 'Kerberos' not in answer.headers['WWW-Authenticate']
    small.control.winrm(credssp=False)
    with pytest.raises(AuthenticationException, match='did not response CredSSP'):
        small.session().run_ps('1')


def test_authentication_holds_for_its_connection_only(small):
    session = requests.Session()
    first = session.post(small.url, data=b'', timeout=10, headers={'Authorization': 'Negotiate ' + base64.b64encode(
        spnego.client(USER, PASSWORD, protocol='ntlm').step()).decode()})
    assert first.status_code == 401 and first.headers['WWW-Authenticate'].startswith('Negotiate ')
    assert requests.post(small.url, data=b'', timeout=10).status_code == 401, 'a new connection starts over'


def test_control_api_needs_no_authentication(small):
    assert requests.get(small.url.replace('/wsman', '/_mock/winrm'), timeout=10).json() == {
        'basic': False, 'negotiate': True, 'credssp': True, 'allow_unencrypted': False}


def _credssp_handshake(connection, accounts, client):
    """Feed a pyspnego CredSSP client to the listener's Connection until it ends; the Logon or the Refused."""
    from tests.mocks.hyperv.auth import ListenerConfig, Refused
    token = client.step()
    while True:
        try:
            logon, _headers = connection.authenticate(ListenerConfig(), accounts, 'CredSSP ' + base64.b64encode(token).decode())
            return logon
        except Refused as refused:
            answer = dict(refused.headers).get('WWW-Authenticate', '')
            if not answer.startswith('CredSSP '):
                return refused
            token = client.step(base64.b64decode(answer.split(' ', 1)[1]))


def test_credssp_checks_the_password_the_client_delegated():
    from tests.mocks.hyperv.auth import Accounts, Connection, Refused
    accounts = Accounts(USER, PASSWORD, 'contoso.local')
    try:
        honest = spnego.client(USER, PASSWORD, protocol='credssp')
        assert _credssp_handshake(Connection(), accounts, honest).delegated is True
        proves_one_delegates_another = spnego.client(
            USER, 'something else', protocol='credssp',
            credssp_negotiate_context=spnego.client(USER, PASSWORD, protocol='ntlm'))
        refused = _credssp_handshake(Connection(), accounts, proves_one_delegates_another)
        assert isinstance(refused, Refused) and refused.status == 401
    finally:
        accounts.close()
