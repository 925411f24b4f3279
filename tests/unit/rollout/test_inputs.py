# -*- coding: utf-8 -*-
"""max_hosts_down is an integer >= 1 however it is passed (-e key=value gives a string)."""

import pytest

from ansible_collections.vmfleet.maintenance.plugins.action.rollout_state import StateError, positive_int


@pytest.mark.parametrize("value, expected", [(1, 1), ("1", 1), (" 2 ", 2), (3.0, 3)])
def test_integers_however_passed(value, expected):
    assert positive_int(value, "max_hosts_down") == expected


@pytest.mark.parametrize("value", [0, -1, "0", "-1", "two", "", None, 1.5, True])
def test_everything_else_is_one_clear_error(value):
    with pytest.raises(StateError) as error:
        positive_int(value, "max_hosts_down")
    assert "max_hosts_down must be an integer >= 1, got %r" % (value,) in str(error.value)
