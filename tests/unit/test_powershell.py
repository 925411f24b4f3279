# -*- coding: utf-8 -*-
"""Composing PowerShell for WinRM: quoting, the JSON parameter literal, and cmd.exe's command-line limit,
which must stop a script before anything is sent."""

import base64
import json

import pytest

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv import scripts
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import (
    PowerShellError, PowerShellRunner, clixml_text, first_error)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.cau import scripts as cau_scripts
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.cau.role import CAU_KINDS
from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.powershell import (
    MAX_COMMAND_LINE, Script, ScriptTooLong, check_length, command_line_length, compact, compose, encoded_command,
    json_output, params_line, quote)


class FakeProtocol:
    """Records what would go over the wire; answers every command with the given output."""

    def __init__(self, stdout=b"", stderr=b"", exit_code=0):
        self.calls = []
        self.answer = (stdout, stderr, exit_code)

    def open_shell(self, codepage=437):
        self.calls.append(("open_shell", codepage))
        return "shell-1"

    def run_command(self, shell_id, command):
        self.calls.append(("run_command", command))
        return "command-1"

    def get_command_output(self, shell_id, command_id):
        return self.answer

    def cleanup_command(self, shell_id, command_id):
        self.calls.append(("cleanup_command",))

    def close_shell(self, shell_id):
        self.calls.append(("close_shell",))


def decoded(command):
    return base64.b64decode(command.split(" ", 2)[2]).decode("utf-16-le")


def test_quote_doubles_every_kind_of_single_quote():
    assert quote("it's") == "'it''s'"
    assert quote(u"a\u2019b") == u"'a\u2019\u2019b'"
    assert quote("") == "''"


def test_params_line_is_one_compact_ascii_json_literal():
    line = params_line({"vm": u"O'Brien-\u4eee\u60f3", "n": [1, 2]})
    assert line.startswith("$p = '") and line.endswith("' | ConvertFrom-Json")
    literal = line[len("$p = '"):-len("' | ConvertFrom-Json")].replace("''", "'")
    assert json.loads(literal) == {"vm": u"O'Brien-\u4eee\u60f3", "n": [1, 2]}
    assert " " not in literal and all(ord(c) < 128 for c in line)


def test_compose_compacts_and_keeps_what_for_errors():
    script = compose("reading things", """
        # a comment line
        $a = 1

            $b = $a + 1
        """, {"x": 1})
    assert isinstance(script, Script) and script.what == "reading things"
    assert script.text == "$p = '{\"x\":1}' | ConvertFrom-Json\n$a = 1\n$b = $a + 1"
    assert compact("  a\n\n  # c\n  b  ") == "a\nb"
    assert json_output("@($r)", 3) == "ConvertTo-Json -InputObject @($r) -Compress -Depth 3"


@pytest.mark.parametrize("text", ["", "a", "ab", "abc", "Get-ClusterNode", u"\u4eee\u60f3" * 7, u"\U0001F600x"])
def test_command_line_length_is_the_encoded_length(text):
    assert command_line_length(text) == len(encoded_command(text))
    assert decoded(encoded_command(text)) == text


def test_the_limit_is_cmd_exe_8191_characters():
    fits = "x" * 3051  # 27 + 4 * ceil(6102 / 3) = 8163
    assert check_length(fits, "fitting") <= MAX_COMMAND_LINE
    longest = max(n for n in range(3000, 3100) if command_line_length("x" * n) <= MAX_COMMAND_LINE)
    assert command_line_length("x" * longest) <= MAX_COMMAND_LINE < command_line_length("x" * (longest + 1))
    with pytest.raises(ScriptTooLong) as caught:
        check_length("x" * (longest + 1), "the test")
    message = str(caught.value)
    assert "the test" in message and "8191" in message and "nothing was sent" in message


def test_too_long_parameters_fail_when_composing():
    with pytest.raises(ScriptTooLong) as caught:
        scripts.vm_network_adapters("VM" * 2000)
    assert "reading the network adapters of" in str(caught.value)
    with pytest.raises(ScriptTooLong):
        cau_scripts.write_cau_role({"NodeOrder": ["NODE%04d" % i for i in range(400)]}, CAU_KINDS, add=False)


def test_a_too_long_script_is_never_sent():
    protocol = FakeProtocol()
    runner = PowerShellRunner("http://hv01:5985/wsman", lambda: protocol)
    script = Script("Write-Output '%s'" % ("y" * 4000), "writing a long line")
    with pytest.raises(ScriptTooLong):
        runner.run(script)
    assert protocol.calls == [], "no shell was opened, no command was sent"


def test_runner_sends_the_encoded_command_in_a_utf8_shell_and_closes_it():
    protocol = FakeProtocol(stdout=u'{"a":"\u4eee"}'.encode("utf-8"))
    runner = PowerShellRunner("http://hv01:5985/wsman", lambda: protocol)
    assert runner.json(Script("Get-Thing", "reading a thing")) == {"a": u"\u4eee"}
    assert protocol.calls[0] == ("open_shell", 65001)
    assert decoded(protocol.calls[1][1]) == "Get-Thing" and protocol.calls[1][1].startswith("powershell -encodedcommand ")
    assert protocol.calls[-1] == ("close_shell",)


CLIXML = (b'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
          b'<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T></TN></Obj>'
          b'<S S="Error">Set-CauClusterRole : The PreUpdateScript file name extension must be .ps1._x000D__x000A_</S>'
          b'<S S="Error">At line:2 char:1_x000D__x000A_</S>'
          b'<S S="Error">+ Set-CauClusterRole -PreUpdateScript $p.PreUpdateScript -Force_x000D__x000A_</S>'
          b'<S S="Error">    + FullyQualifiedErrorId : InvalidCauParameter,Microsoft.ClusterAwareUpdating.Commands_x000D__x000A_</S>'
          b'</Objs>')


def test_powershell_errors_reach_the_user_as_the_host_wrote_them():
    text = clixml_text(CLIXML.decode())
    assert text.startswith("Set-CauClusterRole : The PreUpdateScript file name extension must be .ps1.")
    assert first_error(text) == "Set-CauClusterRole : The PreUpdateScript file name extension must be .ps1."
    protocol = FakeProtocol(stderr=CLIXML, exit_code=1)
    runner = PowerShellRunner("http://hv01:5985/wsman", lambda: protocol)
    with pytest.raises(PowerShellError) as caught:
        runner.text(Script("Set-CauClusterRole", "setting the CAU clustered role"))
    assert str(caught.value) == ("PowerShell failed on http://hv01:5985/wsman while setting the CAU clustered role "
                                 "(exit code 1): Set-CauClusterRole : The PreUpdateScript file name extension must "
                                 "be .ps1.")
    assert clixml_text("plain text") == "plain text"
